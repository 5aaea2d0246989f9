"""Rows written in bulk below the ORM: appended by COPY on PostgreSQL or, on SQLite, by one
INSERT reading them from a JSON array (json_each); or inserted through Core where their ids are
needed.

For the writes that dominate a transaction (a handoff's audit events, intake's events and
outbox rows): SQLAlchemy's per-row, per-column parameter handling costs more than the database
does. Values are converted here once, by each column's own type (so they are stored exactly as
the ORM would store them), JSON with msgspec; a column left out gets its scalar default. On
SQLite one statement reads all the rows inside the database, where executemany would step the
statement once per row, taking Python's lock back each time (slow while other threads run).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from operator import itemgetter
from typing import Any, cast

import msgspec
from sqlalchemy import JSON, Float, LargeBinary, Numeric, Table, insert
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection

from service.db.models import Base

_encode_json = msgspec.json.Encoder().encode


def _json_text(value: Any) -> str | None:
    return None if value is None else _encode_json(value).decode()


def _converter(table: Table, name: str, dialect: Dialect) -> Callable[[Any], Any] | None:
    """How a value of column `name` is handed to the driver (repeated values converted once);
    None: as it is."""
    column_type = table.c[name].type
    if isinstance(column_type, JSON):
        return _json_text
    convert = column_type.dialect_impl(dialect).bind_processor(dialect)  # as Core would
    if convert is None:
        return None
    seen: dict[Any, Any] = {}  # a batch's timestamps are mostly one or two instants

    def memoised(value: Any) -> Any:
        if value not in seen:
            seen[value] = convert(value)
        return seen[value]

    return memoised


def scalar_defaults(model: type[Base], given: Collection[str]) -> dict[str, Any]:
    """The scalar defaults of the columns that rows with the `given` columns leave out; a
    left-out column whose default must be computed is a programming error."""
    table = cast(Table, model.__table__)
    defaults = {}
    for column in table.columns:
        if column.name in given or column.default is None:
            continue
        if not column.default.is_scalar:
            raise ValueError(f"{table.name}.{column.name} has a computed default: give it")
        defaults[column.name] = column.default.arg  # type: ignore[attr-defined]
    return defaults


async def append_rows(
    connection: AsyncConnection, model: type[Base], rows: Sequence[Mapping[str, Any]]
) -> None:
    """Insert `rows` of `model`'s table (each row with the same keys, column names) in the
    connection's transaction."""
    if not rows:
        return
    table = cast(Table, model.__table__)
    dialect = connection.dialect
    given = list(rows[0])
    defaults = scalar_defaults(model, given)
    names = given + list(defaults)
    columns = []  # converted column by column: far fewer Python calls than row by row
    for name in given:
        values = map(itemgetter(name), rows)
        convert = _converter(table, name, dialect)
        columns.append(list(values if convert is None else map(convert, values)))
    for name, value in defaults.items():
        convert = _converter(table, name, dialect)
        columns.append([value if convert is None else convert(value)] * len(rows))
    records = list(zip(*columns, strict=True))
    if dialect.name == "postgresql":
        raw = await connection.get_raw_connection()
        await raw.driver_connection.copy_records_to_table(  # type: ignore[union-attr]
            table.name, records=records, columns=names
        )
        return
    if not _json_safe(table, names):
        placeholders = ", ".join("?" for _ in names)
        statement = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({placeholders})"
        await connection.exec_driver_sql(statement, records)
        return
    picks = ", ".join(f"json_extract(value, '$[{n}]')" for n in range(len(names)))
    statement = f"INSERT INTO {table.name} ({', '.join(names)}) SELECT {picks} FROM json_each(?)"
    await connection.exec_driver_sql(statement, (_encode_json(records).decode(),))


def _json_safe(table: Table, names: Sequence[str]) -> bool:
    """Whether the columns' driver values (numbers, text, None) survive a JSON round trip;
    bytes and decimals would not."""
    kinds = [table.c[name].type for name in names]
    return not any(
        isinstance(kind, LargeBinary) or (isinstance(kind, Numeric) and not isinstance(kind, Float))
        for kind in kinds
    )


async def insert_returning_ids(
    connection: AsyncConnection, model: type[Base], rows: Sequence[Mapping[str, Any]], *, key: str
) -> list[int]:
    """Insert `rows` of `model`'s table through Core (multi-row statements, without the ORM's
    unit of work) in the connection's transaction; their new ids, in the rows' order.

    `key` names a unique column the rows are told apart by: SQLite cannot return the ids of a
    multi-row INSERT in the rows' order (asked to, SQLAlchemy inserts them one by one)."""
    table = cast(Table, model.__table__)
    statement = insert(table).returning(table.c[key], table.c.id)
    ids: dict[Any, int] = dict((await connection.execute(statement, rows)).all())
    return [ids[row[key]] for row in rows]
