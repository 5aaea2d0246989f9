"""Request and response bodies of the JSON API (msgspec structs)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, TypeVar

import msgspec

from routing.model import Category, Severity, Tier
from routing.sla import Urgency
from service.common.validation import (
    COUNTRY_FIELD,
    EMAIL_FIELD,
    LOCALE_FIELD,
    TEXT_FIELD,
    ZONE_FIELD,
)

Channel = Literal["web", "api", "email", "phone", "chat", "social"]
AGENT_CHANNELS = frozenset({"phone", "chat", "social"})
"""Complaints taken by an agent or an integration: filed with staff credentials only."""


StructT = TypeVar("StructT", bound=msgspec.Struct)


def view_of(row: object, kind: type[StructT], **overrides: Any) -> StructT:
    """A response struct from the same-named attributes of a stored row, plus `overrides` for
    the fields named or shaped differently."""
    values = {name: getattr(row, name) for name in kind.__struct_fields__ if name not in overrides}
    return kind(**values, **overrides)


Text = Annotated[str, TEXT_FIELD]
"""Free text the customer or an agent writes: not blank, at most MAX_TEXT_CHARS."""


class Contact(msgspec.Struct, forbid_unknown_fields=True):
    email: Annotated[str, EMAIL_FIELD]
    name: str | None = None
    phone: str | None = None


class IntakeRequest(msgspec.Struct, forbid_unknown_fields=True):
    """A complaint as the customer files it."""

    text: Text
    contact: Contact
    locale: Annotated[str | None, LOCALE_FIELD] = None
    country: Annotated[str | None, COUNTRY_FIELD] = None
    timezone: Annotated[str | None, ZONE_FIELD] = None
    category: Category | None = None
    tier: Tier | None = None
    """The tier the caller says the customer has: kept for agents to see, never trusted."""
    tier_claim: str | None = None
    """A tier claim signed by the company's site (see service/cases/tier_claims.py)."""
    channel: Channel = "api"


class IntakeResponse(msgspec.Struct):
    reference: str
    access_token: str
    tier: str
    """The trusted tier the case is served at."""
    language: str
    region: str | None
    team: str | None
    team_name: str | None
    status: str
    first_response_due: datetime
    acknowledgement: str
    reply_locale: str
    status_url: str


class TimelineEntry(msgspec.Struct):
    at: datetime
    kind: str
    text: str
    body: str | None = None


class Erased(msgspec.Struct):
    reference: str
    erased: bool


class CustomerMessage(msgspec.Struct, forbid_unknown_fields=True):
    text: Text


class FileOut(msgspec.Struct):
    """A file on the case: read it at /api/v1/cases/{reference}/attachments/{id}."""

    id: str
    name: str
    size: int
    media_type: str
    at: datetime
    added_by: str
    internal: bool


class CaseStatus(msgspec.Struct):
    """What the customer sees of their case."""

    reference: str
    status: str
    status_label: str
    language: str
    team_name: str | None
    first_response_due: datetime
    resolution_due: datetime
    complaint: str
    """The customer's own words, as filed."""
    accepts_messages: bool
    """Whether a message from the customer is taken now (open, or recently resolved)."""
    timeline: list[TimelineEntry]
    files: list[FileOut]


class EventOut(msgspec.Struct):
    at: datetime
    kind: str
    actor: str
    customer_visible: bool
    data: dict[str, Any]


class ReplyOut(msgspec.Struct):
    at: datetime
    author: str
    team: str | None
    body: str


class CaseDetail(msgspec.Struct):
    """Everything an agent needs, audit timeline included."""

    reference: str
    status: str
    text: str
    contact: Contact
    language: str
    language_confidence: float
    language_decided_by: str
    script: str
    reply_locale: str
    locale_fallback_from: str | None
    country: str | None
    region: str | None
    region_signal: str
    customer_timezone: str
    category: str
    category_rule: str
    severity: Severity | str
    severity_rule: str
    tier: str
    claimed_tier: str | None
    """The tier the request itself named (not trusted; kept for agents to see)."""
    channel: str
    team: str | None
    claimed_by: str | None
    routing_reason: str
    needs_translation: bool
    coverage_gap: bool
    created_at: datetime
    first_response_due: datetime
    classification_due: datetime
    resolution_due: datetime
    first_responded_at: datetime | None
    resolved_at: datetime | None
    version: int
    events: list[EventOut]
    replies: list[ReplyOut]
    files: list[FileOut]


class QueueItem(msgspec.Struct):
    reference: str
    snippet: str
    """The start of the complaint's text."""
    status: str
    severity: str
    tier: str
    category: str
    language: str
    language_confidence: float
    needs_translation: bool
    claimed_by: str | None
    first_response_due: datetime
    resolution_due: datetime
    created_at: datetime
    escalation_level: int
    next_due: datetime
    """The first-response due time until the first reply, then the resolution due time."""
    urgency: Urgency
    """How close `next_due` is: on_track, warning (80 % of the time gone) or breached."""
    handed_over_from: str | None
    """The team the case last came from, by a shift-end handoff or a transfer."""


class WaitingCase(msgspec.Struct):
    """A case held for a team that reads it, which opens later (see the handoff rules)."""

    reference: str
    team: str | None
    language: str
    status: str
    waiting_until: datetime
    first_response_due: datetime
    resolution_due: datetime
    coverage_gap: bool


class Queue(msgspec.Struct):
    team: str
    count: int
    cases: list[QueueItem]


class ClaimRequest(msgspec.Struct, forbid_unknown_fields=True):
    agent: str | None = None
    """Who acts; ignored with a personal token (the change is recorded under its account)."""


class ReplyRequest(msgspec.Struct, forbid_unknown_fields=True):
    body: Text
    agent: str | None = None


class StatusRequest(msgspec.Struct, forbid_unknown_fields=True):
    status: Literal["waiting_on_customer", "in_progress"]
    agent: str | None = None
    note: str | None = None


class LanguageRequest(msgspec.Struct, forbid_unknown_fields=True):
    language: str
    agent: str | None = None


class NoteRequest(msgspec.Struct, forbid_unknown_fields=True):
    text: Text
    agent: str | None = None


class TransferRequest(msgspec.Struct, forbid_unknown_fields=True):
    team: str
    """The key of the team that takes the case over."""
    agent: str | None = None


class AssignRequest(msgspec.Struct, forbid_unknown_fields=True):
    to: str
    """The e-mail of the colleague's account."""
    agent: str | None = None


class ResolveRequest(msgspec.Struct, forbid_unknown_fields=True):
    agent: str | None = None
    summary: Annotated[str | None, TEXT_FIELD] = None


class CaseChanged(msgspec.Struct):
    reference: str
    status: str
    team: str | None
    claimed_by: str | None
    version: int
