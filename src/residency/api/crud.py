"""Generic, program-scoped CRUD for the plain entities.

Each entity is described once by a ``Resource``; this module derives its pydantic schemas from the
table, and its routes: list (paginated, filtered, sorted), create, read, update (optimistic lock)
and delete (refused while referenced). Every write is one transaction with its audit row.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field, create_model
from sqlalchemy import JSON, Boolean, Date, DateTime, Float, Integer, String, Text, Time, and_, func, select
from sqlalchemy.orm import Session

from residency.api.deps import DbDep, Principal, PrincipalDep
from residency.api.errors import ApiError, forbidden, not_found
from residency.api.serialize import jsonable, row_dict
from residency.auth.roles import Access, allows
from residency.store import audit
from residency.store.base import Base
from residency.store.enums import Role, ScheduleStatus
from residency.store.models import Schedule

SYSTEM_FIELDS = ("id", "program_id", "version", "created_at", "updated_at")
MAX_LIMIT = 500
INT_MIN, INT_MAX = -(2**31), 2**31 - 1  # the database's INTEGER
BoundedInt = Annotated[int, Field(ge=INT_MIN, le=INT_MAX)]
ItemId = Annotated[int, Path(ge=1, le=INT_MAX)]

Validator = Callable[[Session, Principal, dict[str, Any], Any], None]


@dataclass
class Resource:
    model: type[Base]
    name: str
    path: str
    read: Access = Access.ANY
    write: Access = Access.COORDINATOR
    read_only: tuple[str, ...] = ()
    filters: tuple[str, ...] = ()
    date_range: tuple[str, str] | None = None
    owned: tuple[type[Base], ...] = ()
    own_rows: str | None = None  # residents see only rows whose column equals their person
    published_only: bool = False  # below coordinator, only rows of the published schedule
    validate: Validator | None = None
    prepare_create: Callable[[Session, Principal, dict[str, Any]], None] | None = None
    may_write: Callable[[Principal, str, dict[str, Any], Any], bool] | None = None
    description: str = ""
    extra_filters: dict[str, Callable[[Any], Any]] = field(default_factory=dict)
    before_delete: Callable[[Session, Principal, Any], None] | None = None
    # Roles below ``write`` that ``may_write`` can let through, and for which actions; anyone else
    # is refused (403) before the body is validated or the row looked up.
    self_service: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # Checks a change before it is saved; returns what to report with the answer (or raises).
    guard: Callable[[Session, Principal, str, dict | None, dict | None], dict[str, Any]] | None = None

    @property
    def table(self):
        return self.model.__table__

    def columns(self):
        return list(self.table.columns)


# ---------------------------------------------------------------- schemas


def _python_type(column) -> Any:
    choices = column.info.get("choices")
    if choices is not None:
        return Literal[tuple(m.value for m in choices)]  # type: ignore[misc]
    t = column.type
    if isinstance(t, Boolean):
        return bool
    if isinstance(t, Integer):
        return BoundedInt
    if isinstance(t, Float):
        return float
    if isinstance(t, DateTime):
        return datetime
    if isinstance(t, Date):
        return date
    if isinstance(t, Time):
        return time
    if isinstance(t, JSON):
        default = column.default.arg if column.default is not None else None
        probe = default(None) if callable(default) else default
        return list[Any] if isinstance(probe, list) else dict[str, Any]
    if isinstance(t, String) and t.length:
        return Annotated[str, Field(max_length=t.length)]
    if isinstance(t, String | Text):
        return str
    return Any


def _required(column) -> bool:
    return not column.nullable and column.default is None and column.server_default is None


def build_schemas(res: Resource) -> tuple[type[BaseModel], ...]:
    strict = ConfigDict(extra="forbid")
    create_fields: dict[str, Any] = {}
    update_fields: dict[str, Any] = {}
    read_fields: dict[str, Any] = {}
    for col in res.columns():
        typ = _python_type(col)
        read_fields[col.key] = (typ | None, None)
        if col.key in SYSTEM_FIELDS or col.key in res.read_only:
            continue
        create_fields[col.key] = (typ, ...) if _required(col) else (typ | None, None)
        update_fields[col.key] = (typ | None, None)
    update_fields["version"] = (int | None, Field(None, description="the version you read (or use If-Match)"))
    title = "".join(p.capitalize() for p in res.name.split("_"))
    create = create_model(f"{title}Create", __config__=strict, **create_fields)
    update = create_model(f"{title}Update", __config__=strict, **update_fields)
    read = create_model(f"{title}Read", **read_fields)
    written = read
    if res.guard is not None:  # writes answer with the compliance findings they create or clear
        written = create_model(f"{title}Written", __base__=read, compliance=(dict[str, Any] | None, None))
    page = create_model(f"{title}Page", items=(list[read], ...), total=(int, ...), limit=(int, ...), offset=(int, ...))
    return create, update, read, page, written


# ---------------------------------------------------------------- service functions


def _parse(column, raw: str, name: str) -> Any:
    t = column.type
    try:
        if isinstance(t, Boolean):
            if raw.lower() in ("true", "1", "yes"):
                return True
            if raw.lower() in ("false", "0", "no"):
                return False
            raise ValueError
        if isinstance(t, Integer):
            value = int(raw)
            if not INT_MIN <= value <= INT_MAX:
                raise ValueError
            return value
        if isinstance(t, Date):
            return date.fromisoformat(raw)
        choices = column.info.get("choices")
        if choices is not None and raw not in {m.value for m in choices}:
            raise ValueError
        return raw
    except ValueError as exc:
        raise ApiError(422, "invalid_filter", f"{name}: {raw!r} is not a valid value", name) from exc


def _visible(res: Resource, principal: Principal):
    model = res.model
    where = [model.program_id == principal.program_id]
    if res.own_rows and principal.role == Role.RESIDENT:
        where.append(getattr(model, res.own_rows) == (principal.person_id or -1))
    if res.published_only and not allows(Access.COORDINATOR, principal.role):
        published = select(Schedule.id).where(
            Schedule.program_id == principal.program_id, Schedule.status == ScheduleStatus.PUBLISHED
        )
        column = model.id if model.__tablename__ == "schedules" else model.schedule_id
        where.append(column.in_(published))
    return where


def list_rows(db: Session, res: Resource, principal: Principal, params: dict[str, str]) -> dict[str, Any]:
    principal.require(res.read)
    model = res.model
    where = _visible(res, principal)
    params = dict(params)
    try:
        limit = int(params.pop("limit", 50))
        offset = int(params.pop("offset", 0))
    except ValueError as exc:
        raise ApiError(422, "invalid_filter", "limit and offset must be whole numbers", "limit") from exc
    if not 1 <= limit <= MAX_LIMIT:
        raise ApiError(422, "invalid_filter", f"limit must be between 1 and {MAX_LIMIT}", "limit")
    if offset < 0:
        raise ApiError(422, "invalid_filter", "offset must be 0 or more", "offset")
    sort = params.pop("sort", "id")
    columns = {c.key: c for c in res.columns()}
    for bound in ("from", "to"):
        if bound in params:
            if res.date_range is None:
                raise ApiError(422, "invalid_filter", f"{res.path} has no date range filter", bound)
            day = _parse(columns[res.date_range[0]], params.pop(bound), bound)
            start_col, end_col = (getattr(model, c) for c in res.date_range)
            where.append(end_col >= day if bound == "from" else start_col <= day)
    for name, raw in params.items():
        if name in res.extra_filters:
            where.append(res.extra_filters[name](raw))
        elif name in res.filters:
            where.append(getattr(model, name) == _parse(columns[name], raw, name))
        else:
            allowed = ", ".join(
                sorted(
                    {*res.filters, *res.extra_filters, "limit", "offset", "sort"}
                    | ({"from", "to"} if res.date_range else set())
                )
            )
            raise ApiError(422, "invalid_filter", f"unknown filter {name!r}; allowed: {allowed}", name)
    order = []
    for key in (k.strip() for k in sort.split(",") if k.strip()):
        desc = key.startswith("-")
        key = key.lstrip("-")
        if key not in columns:
            raise ApiError(422, "invalid_filter", f"cannot sort by {key!r}", "sort")
        order.append(getattr(model, key).desc() if desc else getattr(model, key))
    order.append(model.id)
    total = db.scalar(select(func.count()).select_from(model).where(and_(*where)))
    rows = db.scalars(select(model).where(and_(*where)).order_by(*order).limit(limit).offset(offset)).all()
    return {"items": [row_dict(r) for r in rows], "total": total, "limit": limit, "offset": offset}


def get_row(db: Session, res: Resource, principal: Principal, id_: int):
    principal.require(res.read)
    row = db.scalars(select(res.model).where(res.model.id == id_, *_visible(res, principal))).first()
    if row is None:
        raise not_found(res.name, id_)
    return row


def _check_write(res: Resource, principal: Principal, action: str, data: dict[str, Any], row: Any) -> None:
    if allows(res.write, principal.role):
        return
    if res.may_write is not None and res.may_write(principal, action, data, row):
        return
    raise forbidden()


def _check_references(db: Session, res: Resource, principal: Principal, data: dict[str, Any]) -> None:
    for col in res.columns():
        if col.key not in data or data[col.key] is None:
            continue
        for fk in col.foreign_keys:
            target = fk.column.table
            if target.name == "programs":
                continue
            query = select(target.c.id).where(target.c.id == data[col.key])
            if "program_id" in target.c:
                query = query.where(target.c.program_id == principal.program_id)
            if db.execute(query).first() is None:
                raise ApiError(
                    422,
                    "invalid_reference",
                    f"{col.key}: no {target.name} with id {data[col.key]} in this program",
                    col.key,
                )


def _check_unique(
    db: Session, res: Resource, principal: Principal, values: dict[str, Any], exclude_id: int | None
) -> None:
    from sqlalchemy import UniqueConstraint

    for constraint in res.table.constraints:
        if not isinstance(constraint, UniqueConstraint):
            continue
        cols = [c.key for c in constraint.columns]
        query = select(res.model.id).where(*[getattr(res.model, c) == values.get(c) for c in cols])
        if exclude_id is not None:
            query = query.where(res.model.id != exclude_id)
        with db.no_autoflush:  # the pending change itself must not be flushed (IntegrityError) by this query
            clash = db.execute(query).first()
        if clash is not None:
            field_name = next((c for c in reversed(cols) if c != "program_id"), cols[-1])
            shown = ", ".join(f"{c}={jsonable(values.get(c))!r}" for c in cols if c != "program_id")
            raise ApiError(409, "duplicate", f"a {res.name} with {shown} already exists", field_name)


def _values(row: Any) -> dict[str, Any]:
    """Column values as Python objects (not JSON strings: PostgreSQL will not compare a date to text)."""
    return {c.key: getattr(row, c.key) for c in row.__table__.columns}


def create_row(db: Session, res: Resource, principal: Principal, payload: BaseModel):
    data = {k: v for k, v in payload.model_dump().items() if v is not None}
    _check_write(res, principal, "create", data, None)
    if res.prepare_create:
        res.prepare_create(db, principal, data)
    _check_references(db, res, principal, data)
    if res.validate:
        res.validate(db, principal, data, None)
    row = res.model(program_id=principal.program_id, **data)
    for col in res.columns():  # apply column defaults now so uniqueness checks see them
        if getattr(row, col.key) is None and col.default is not None and col.key not in SYSTEM_FIELDS:
            arg = col.default.arg
            setattr(row, col.key, arg(None) if callable(arg) else arg)
    _check_unique(db, res, principal, _values(row), None)
    outcome = _guard(db, res, principal, None, _values(row))
    db.add(row)
    db.flush()
    audit.record(
        db,
        actor_id=principal.user.id,
        program_id=principal.program_id,
        entity=res.name,
        entity_id=row.id,
        action="create",
        after=row_dict(row),
        reason=outcome.get("override_reason") if outcome else None,
    )
    db.commit()
    row.compliance = outcome
    return row


def _guard(db: Session, res: Resource, principal: Principal, before: dict | None, after: dict | None):
    if res.guard is None:
        return None
    with db.no_autoflush:  # the guard compares against the stored state, without this change
        return res.guard(db, principal, res.name, before, after)


def _out(row: Any) -> dict[str, Any]:
    out = row_dict(row)
    if getattr(row, "compliance", None) is not None:
        out["compliance"] = row.compliance
    return out


def expected_version(body_version: int | None, if_match: str | None) -> int:
    if if_match:
        raw = if_match.strip().removeprefix("W/").strip('"')
        if raw.isdigit():
            return int(raw)
        raise ApiError(422, "validation_error", "If-Match must be the ETag you read", "If-Match")
    if body_version is not None:
        return body_version
    raise ApiError(428, "version_required", "send the version you read (body 'version' or If-Match)", "version")


def update_row(db: Session, res: Resource, principal: Principal, id_: int, payload: BaseModel, if_match: str | None):
    row = get_row(db, res, principal, id_)
    changes = payload.model_dump(exclude_unset=True)
    version = expected_version(changes.pop("version", None), if_match)
    _check_write(res, principal, "update", changes, row)
    columns = {c.key: c for c in res.columns()}
    for key, value in changes.items():
        if value is None and not columns[key].nullable:
            raise ApiError(422, "validation_error", f"{key} may not be null", key)
    if version != row.version:
        raise ApiError(
            409,
            "version_conflict",
            f"{res.name} {id_} is at version {row.version}, you sent {version}; reload and retry",
            "version",
        )
    _check_references(db, res, principal, changes)
    if res.validate:
        res.validate(db, principal, changes, row)
    before = row_dict(row)
    old_values = _values(row)
    for key, value in changes.items():
        setattr(row, key, value)
    _check_unique(db, res, principal, _values(row), row.id)
    outcome = _guard(db, res, principal, old_values, _values(row))
    db.flush()  # the version check in SQL catches an edit that raced ours
    after = row_dict(row)
    if after != before:  # a PATCH that changes nothing keeps the version and leaves no audit row
        audit.record(
            db,
            actor_id=principal.user.id,
            program_id=principal.program_id,
            entity=res.name,
            entity_id=row.id,
            action="update",
            before=before,
            after=after,
            reason=outcome.get("override_reason") if outcome else None,
        )
    db.commit()
    row.compliance = outcome
    return row


def references_to(db: Session, table, id_: int, skip: tuple = ()) -> list[str]:
    """Human-readable list of rows that point at table.id == id_."""
    found = []
    for other in Base.metadata.sorted_tables:
        if other in skip:
            continue
        for fk in other.foreign_keys:
            if fk.column.table is table and fk.parent.table is other:
                count = db.scalar(select(func.count()).select_from(other).where(fk.parent == id_))
                if count:
                    found.append(f"{count} {other.name}")
    return found


def delete_row(db: Session, res: Resource, principal: Principal, id_: int) -> None:
    row = get_row(db, res, principal, id_)
    _check_write(res, principal, "delete", {}, row)
    if res.before_delete:
        res.before_delete(db, principal, row)
    owned_tables = tuple(m.__table__ for m in res.owned)
    blockers = references_to(db, res.table, id_, skip=owned_tables)
    children = []
    for model in res.owned:
        for child in db.scalars(
            select(model).where(
                *[fk.parent == id_ for fk in model.__table__.foreign_keys if fk.column.table is res.table]
            )
        ).all():
            blockers += [
                f"{b} (via {model.__tablename__} {child.id})" for b in references_to(db, model.__table__, child.id)
            ]
            children.append(child)
    if blockers:
        raise ApiError(
            409, "in_use", f"{res.name} {id_} is still referenced by " + ", ".join(blockers) + "; nothing was deleted"
        )
    before = row_dict(row)
    for child in children:
        audit.record(
            db,
            actor_id=principal.user.id,
            program_id=principal.program_id,
            entity=child.__tablename__,
            entity_id=child.id,
            action="delete",
            before=row_dict(child),
        )
        db.delete(child)
    db.flush()
    db.delete(row)
    audit.record(
        db,
        actor_id=principal.user.id,
        program_id=principal.program_id,
        entity=res.name,
        entity_id=id_,
        action="delete",
        before=before,
    )
    db.commit()


# ---------------------------------------------------------------- routes


def may_try(res: Resource, action: str):
    """A dependency: 403 at once for a role that can never do ``action`` on this resource."""

    def check(principal: PrincipalDep) -> Principal:
        if not allows(res.write, principal.role) and action not in res.self_service.get(principal.role, ()):
            raise forbidden()
        return principal

    return Depends(check)


def router_for(res: Resource) -> APIRouter:
    create_schema, update_schema, read_schema, page_schema, written_schema = build_schemas(res)
    router = APIRouter(prefix=res.path, tags=[res.path.strip("/")])
    filters_doc = ", ".join(sorted({*res.filters, *res.extra_filters})) or "none"
    range_doc = f"; from/to on {res.date_range[0]}..{res.date_range[1]}" if res.date_range else ""

    @router.get(
        "",
        response_model=page_schema,
        summary=f"List {res.path.strip('/')}",
        description=f"Paginated (limit, offset), sortable (sort=field,-field). Filters: {filters_doc}{range_doc}.",
    )
    def list_(request: Request, db: DbDep, principal: PrincipalDep, limit: int = 50, offset: int = 0, sort: str = "id"):
        params = dict(request.query_params)
        return list_rows(db, res, principal, params)

    @router.post(
        "",
        response_model=written_schema,
        status_code=201,
        summary=f"Create a {res.name}",
        dependencies=[may_try(res, "create")],
    )
    def create(payload: create_schema, db: DbDep, principal: PrincipalDep, response: Response):  # type: ignore[valid-type]
        row = create_row(db, res, principal, payload)
        response.headers["ETag"] = f'"{row.version}"'
        return _out(row)

    @router.get("/{item_id}", response_model=read_schema, summary=f"Read a {res.name}")
    def read(item_id: ItemId, db: DbDep, principal: PrincipalDep, response: Response):
        row = get_row(db, res, principal, item_id)
        response.headers["ETag"] = f'"{row.version}"'
        return row_dict(row)

    @router.patch(
        "/{item_id}",
        response_model=written_schema,
        summary=f"Update a {res.name}",
        dependencies=[may_try(res, "update")],
    )
    def update(
        item_id: ItemId,
        payload: update_schema,
        db: DbDep,
        principal: PrincipalDep,  # type: ignore[valid-type]
        response: Response,
        if_match: Annotated[str | None, Header()] = None,
    ):
        row = update_row(db, res, principal, item_id, payload, if_match)
        response.headers["ETag"] = f'"{row.version}"'
        return _out(row)

    @router.delete("/{item_id}", status_code=204, summary=f"Delete a {res.name}", dependencies=[may_try(res, "delete")])
    def delete(item_id: ItemId, db: DbDep, principal: PrincipalDep) -> Response:
        delete_row(db, res, principal, item_id)
        return Response(status_code=204)

    return router
