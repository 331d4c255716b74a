"""Background jobs (Celery with Redis as broker)."""
