"""Who may see a case: public references (MRD-7K3F92), customer access and link tokens, owning
teams. Every lookup of a case on someone's behalf goes through here."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from service.common.caller import Caller
from service.common.errors import Forbidden, NotFound
from service.common.secrets import hash_secret
from service.db.models import Case

# Crockford's base32 without I, L, O, U: nothing a customer can misread on the phone.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_reference() -> str:
    return "MRD-" + "".join(secrets.choice(ALPHABET) for _ in range(6))


def new_access_token() -> str:
    return secrets.token_urlsafe(24)


def token_matches(token: str | None, token_hash: str) -> bool:
    return token is not None and hmac.compare_digest(hash_secret(token), token_hash)


LINK_LIFETIME = timedelta(days=60)
"""How long a status link e-mailed to the customer works."""


def _link_signature(reference: str, generation: int, expires: int, secret_key: str) -> str:
    message = f"case-link:{reference.upper()}:{generation}:{expires}".encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()[:32]


def link_token(case: Case, secret_key: str, now: datetime) -> str:
    """The token of the status links e-mailed to the customer: signed, valid for
    LINK_LIFETIME, and void once the case's links are revoked (the issued access token is only
    stored hashed, so e-mails cannot carry it)."""
    expires = int((now + LINK_LIFETIME).timestamp())
    signature = _link_signature(case.reference, case.link_generation, expires, secret_key)
    return f"L{expires}_{signature}"  # no "." a mail client could take for a sentence's end


def _link_valid(token: str, case: Case, secret_key: str, now: datetime) -> bool:
    stamp, _, signature = token[1:].partition("_")
    if not token.startswith("L") or not stamp.isdigit() or int(stamp) <= now.timestamp():
        return False
    expected = _link_signature(case.reference, case.link_generation, int(stamp), secret_key)
    return hmac.compare_digest(signature, expected)


def revoke_links(case: Case) -> None:
    """Every link and the access token the customer holds stop working; the next e-mail to
    them carries a fresh link."""
    case.link_generation += 1
    case.access_token_hash = hash_secret(new_access_token())  # a token nobody is given


def reply_token(reference: str, secret_key: str) -> str:
    """The secret part of a case's reply address: only our own e-mails carry it."""
    message = f"case-reply:{reference.upper()}".encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()[:24]


def reply_address(reference: str, secret_key: str, domain: str) -> str:
    """Where the customer's answer to our e-mail goes: reply+<reference>.<token>@<domain>."""
    return f"reply+{reference.lower()}.{reply_token(reference, secret_key)}@{domain}"


def reply_token_matches(reference: str, token: str, secret_key: str) -> bool:
    return hmac.compare_digest(token.lower(), reply_token(reference, secret_key))


def may_view(token: str | None, case: Case, *, secret_key: str, now: datetime) -> bool:
    """The customer's access token, or a live link token from one of our e-mails."""
    if token is None:
        return False
    return _link_valid(token, case, secret_key, now) or token_matches(token, case.access_token_hash)


def not_found(reference: str) -> NotFound:
    return NotFound(f"no case {reference} for these credentials")


async def find_case(
    session: AsyncSession, reference: str, *, for_update: bool = False
) -> Case | None:
    query = select(Case).where(Case.reference == reference.upper())
    if for_update:
        query = query.with_for_update()
    return (await session.scalars(query)).first()


async def case_for_customer(
    session: AsyncSession,
    reference: str,
    token: str | None,
    *,
    secret_key: str,
    now: datetime,
    for_update: bool = False,
) -> Case:
    """The case, if `token` is its access token or a live link token; else the same 404 as for
    an unknown reference, so a reference cannot be probed."""
    case = await find_case(session, reference, for_update=for_update)
    if case is None or not may_view(token, case, secret_key=secret_key, now=now):
        raise not_found(reference)
    return case


async def case_for_team(
    session: AsyncSession, caller: Caller, reference: str, *, for_update: bool = False
) -> Case:
    """The case, if the caller's team owns it (or the caller is ops); 404 or 403 otherwise."""
    case = await find_case(session, reference, for_update=for_update)
    if case is None:
        raise not_found(reference)
    if not caller.may_act_for(case.team_key):
        raise Forbidden(f"{case.reference} belongs to another team")
    return case
