"""blob claims: uploads in flight keep their bytes from deletion

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 10:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import service.db.models

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "blob_claims",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("at", service.db.models.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blob_claims")),
    )
    with op.batch_alter_table("blob_claims", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_blob_claims_sha256"), ["sha256"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("blob_claims", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_blob_claims_sha256"))

    op.drop_table("blob_claims")
