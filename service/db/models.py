"""SQLAlchemy 2 typed models. Every timestamp is stored as UTC and read back aware."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    false,
)
from sqlalchemy import text as sql_text
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on SQLite and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


HANDED_OFF_STATUSES_SQL = "status IN ('received', 'routed', 'in_progress')"
"""Open cases that move at shift end (waiting on the customer stays): a literal, so SQLite's
planner can match the partial index below."""


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UtcDateTime,
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


class Team(Base):
    __tablename__ = "teams"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    region: Mapped[str] = mapped_column(String(16))
    timezone: Mapped[str] = mapped_column(String(64))
    country: Mapped[str | None] = mapped_column(String(2))
    subdivision: Mapped[str | None] = mapped_column(String(16))
    languages: Mapped[dict[str, Any]]
    weekly: Mapped[dict[str, Any]]
    holidays: Mapped[list[Any]] = mapped_column(default=list)
    overrides: Mapped[list[Any]] = mapped_column(default=list)
    seats: Mapped[int] = mapped_column(Integer, default=1)
    serves: Mapped[list[Any]] = mapped_column(default=list)
    tiers: Mapped[list[Any]] = mapped_column(default=list)
    overflow: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    public_names: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    webhook_url: Mapped[str | None] = mapped_column(String(500))
    lead_email: Mapped[str | None] = mapped_column(String(320))
    api_key_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class Account(Base):
    """A person who signs in: an agent, a lead, ops, a translator or an admin."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    teams: Mapped[list[Any]] = mapped_column(default=list)
    region: Mapped[str | None] = mapped_column(String(16))
    locale: Mapped[str] = mapped_column(String(16), default="en")
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    languages: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")
    """Language tag -> native, fluent or basic: what the agent reads and writes."""
    capacity: Mapped[int] = mapped_column(Integer, default=5, server_default="5")
    """How many open cases the agent takes at once."""
    presence: Mapped[str] = mapped_column(
        String(16), default="available", server_default="available"
    )
    """available or away: only available agents are offered cases."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class PersonalToken(Base):
    """An account's API token (`Authorization: Bearer mrd_pat_…`), stored only as a hash."""

    __tablename__ = "personal_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class Case(Base):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    access_token_hash: Mapped[str] = mapped_column(String(64))
    link_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    """Raised when the customer's links are revoked: links signed for an older one stop working."""
    contact_email: Mapped[str] = mapped_column(String(320))
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    locale_hint: Mapped[str | None] = mapped_column(String(35))
    country_hint: Mapped[str | None] = mapped_column(String(2))
    timezone_hint: Mapped[str | None] = mapped_column(String(64))
    accept_language: Mapped[str | None] = mapped_column(String(500))
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(35))
    language_confidence: Mapped[float] = mapped_column(Float)
    script: Mapped[str] = mapped_column(String(4))
    language_decided_by: Mapped[str] = mapped_column(String(32))
    language_runner_up: Mapped[str | None] = mapped_column(String(35))
    reply_locale: Mapped[str] = mapped_column(String(16))
    locale_fallback_from: Mapped[str | None] = mapped_column(String(35))
    country: Mapped[str | None] = mapped_column(String(2))
    region: Mapped[str | None] = mapped_column(String(16))
    region_signal: Mapped[str] = mapped_column(String(32))
    customer_timezone: Mapped[str] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(32))
    category_rule: Mapped[str] = mapped_column(String(200))
    severity: Mapped[str] = mapped_column(String(16))
    severity_rule: Mapped[str] = mapped_column(String(200))
    tier: Mapped[str] = mapped_column(String(16))
    claimed_tier: Mapped[str | None] = mapped_column(String(16))
    """The tier the request itself named, kept for agents to see; never used to route."""
    channel: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(32), index=True)
    team_key: Mapped[str | None] = mapped_column(ForeignKey("teams.key"), index=True)
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    routing_reason: Mapped[str] = mapped_column(Text, default="")
    needs_translation: Mapped[bool] = mapped_column(Boolean, default=False)
    coverage_gap: Mapped[bool] = mapped_column(Boolean, default=False)
    waiting_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    first_response_due: Mapped[datetime]
    classification_due: Mapped[datetime]
    resolution_due: Mapped[datetime]
    first_responded_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    paused_at: Mapped[datetime | None]
    """When the case started waiting on the customer (the SLA clocks stand still meanwhile)."""
    first_response_warn_at: Mapped[datetime | None]
    resolution_warn_at: Mapped[datetime | None]
    first_response_warned_at: Mapped[datetime | None]
    first_response_breached_at: Mapped[datetime | None]
    resolution_warned_at: Mapped[datetime | None]
    resolution_breached_at: Mapped[datetime | None]
    escalation_level: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    handoffs: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    csat_score: Mapped[int | None] = mapped_column(Integer)
    csat_comment: Mapped[str | None] = mapped_column(Text)
    csat_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1)

    events: Mapped[list[CaseEvent]] = relationship(
        back_populates="case", order_by="CaseEvent.id", lazy="raise"
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        Index("ix_cases_team_status_due", "team_key", "status", "first_response_due"),
        # How many complaints one address filed lately (the acknowledgement cap).
        Index("ix_cases_contact_recent", "contact_email", "created_at"),
        Index("ix_cases_status_fr_warn", "status", "first_response_warn_at"),
        # Handoff walks a team's open cases in id order; closed cases stay out of the index.
        Index(
            "ix_cases_open_by_team",
            "team_key",
            "id",
            sqlite_where=sql_text(HANDED_OFF_STATUSES_SQL),
            postgresql_where=sql_text(HANDED_OFF_STATUSES_SQL),
        ),
        Index("ix_cases_status_res_warn", "status", "resolution_warn_at"),
    )


class CaseEvent(Base):
    """Append-only audit timeline of a case."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(200))
    customer_visible: Mapped[bool] = mapped_column(Boolean, default=False)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)

    case: Mapped[Case] = relationship(back_populates="events", lazy="raise")


class Reply(Base):
    __tablename__ = "replies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    author: Mapped[str] = mapped_column(String(200))
    team_key: Mapped[str | None] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)


class OutboxMessage(Base):
    """A side effect written in the same transaction as the change that causes it."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    task: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    available_at: Mapped[datetime] = mapped_column(default=utcnow)
    enqueued_at: Mapped[datetime | None] = mapped_column(index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)


class TaskRun(Base):
    """One row per completed side effect: what makes at-least-once arq jobs run once."""

    __tablename__ = "task_runs"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    result: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Attachment(Base):
    """A file on a case: the customer's evidence or a team's document. Its bytes live in the
    attachment storage under `sha256`; erasure removes them and keeps this row (name, size and
    hash) for the audit trail."""

    __tablename__ = "attachments"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    name: Mapped[str] = mapped_column(String(200))
    size: Mapped[int] = mapped_column(Integer)
    media_type: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    added_by: Mapped[str] = mapped_column(String(200))
    """"customer", "email", or the agent's account e-mail."""
    internal: Mapped[bool] = mapped_column(Boolean, default=False)
    """On an internal note: staff only, never shown to the customer."""
    reply_id: Mapped[int | None] = mapped_column(ForeignKey("replies.id"))
    """The team's reply the file came with (its e-mail names it)."""
    removed_at: Mapped[datetime | None]


class BlobClaim(Base):
    """Bytes put in the attachment storage for files whose rows are not yet committed: while
    the claim is fresh, no deletion of unnamed bytes (a failed upload's, an erased case's)
    removes them. Claims are taken and checked under a per-hash lock (see attachments.files)."""

    __tablename__ = "blob_claims"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
