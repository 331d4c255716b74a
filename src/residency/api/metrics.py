"""Prometheus gauges read from the latest stored health report of each program at scrape time, so
every API process reports the same values whichever worker ran the check."""

from __future__ import annotations

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import REGISTRY, Collector
from sqlalchemy import func, select

from residency.store import models as m
from residency.store.db import get_sessionmaker


class HealthCollector(Collector):
    def __init__(self, database_url: str) -> None:
        self.url = database_url

    def collect(self):
        level = GaugeMetricFamily(
            "residency_defense_level", "Defense-in-depth level (1 prevention .. 5 emergency)", labels=["program"]
        )
        rho = GaugeMetricFamily(
            "residency_utilization", "Worst-week utilization of the health horizon", labels=["program"]
        )
        fatal = GaugeMetricFamily(
            "residency_n1_fatal_people", "People whose single loss breaks coverage", labels=["program"]
        )
        seconds = GaugeMetricFamily(
            "residency_health_check_seconds", "Duration of the latest health check", labels=["program"]
        )
        try:
            with get_sessionmaker(self.url)() as db:
                newest = select(func.max(m.HealthReportRow.id)).group_by(m.HealthReportRow.program_id)
                rows = db.scalars(select(m.HealthReportRow).where(m.HealthReportRow.id.in_(newest))).all()
                for row in rows:
                    label = [str(row.program_id)]
                    level.add_metric(label, row.level_number)
                    rho.add_metric(label, float((row.report.get("utilization") or {}).get("rho", 0.0)))
                    fatal.add_metric(label, len((row.report.get("contingency") or {}).get("fatal_people", [])))
                    seconds.add_metric(label, row.seconds)
        except Exception:  # a scrape must not fail because the database is briefly away
            pass
        yield from (level, rho, fatal, seconds)


_collector: HealthCollector | None = None


def install(database_url: str) -> None:
    """One collector per process; it reads the database of the app created last (one per process
    in production)."""
    global _collector
    if _collector is None:
        _collector = HealthCollector(database_url)
        REGISTRY.register(_collector)
    _collector.url = database_url
