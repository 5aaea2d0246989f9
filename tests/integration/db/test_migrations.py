"""The Alembic migrations build exactly the schema the models describe, on both databases."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from service.db.engine import create_engine
from service.db.models import Base


async def test_migrated_schema_matches_the_models(database_url: str) -> None:
    engine = create_engine(database_url)

    def differences(connection: Any) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))

    async with engine.connect() as connection:
        diff = await connection.run_sync(differences)
    await engine.dispose()
    assert diff == []
