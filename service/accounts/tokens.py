"""Personal API tokens: shown once, stored as hashes, revocable, last use recorded."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from service.accounts.services import find_account
from service.common.errors import NotFound, Unauthenticated
from service.common.secrets import hash_secret
from service.db.models import Account, PersonalToken

PREFIX = "mrd_pat_"
"""Marks a personal token, so `Authorization: Bearer` can also carry a customer's case token."""


def is_personal_token(value: str) -> bool:
    return value.startswith(PREFIX)


async def create_token(session: AsyncSession, email: str, name: str) -> tuple[PersonalToken, str]:
    """A new token for the account; the token itself is returned once and never stored."""
    account = await find_account(session, email)
    token = PREFIX + secrets.token_urlsafe(32)
    record = PersonalToken(account_id=account.id, name=name, token_hash=hash_secret(token))
    session.add(record)
    await session.flush()
    return record, token


async def list_tokens(session: AsyncSession, email: str) -> Sequence[PersonalToken]:
    account = await find_account(session, email)
    query = select(PersonalToken).where(PersonalToken.account_id == account.id)
    return (await session.scalars(query.order_by(PersonalToken.id))).all()


async def revoke_token(
    session: AsyncSession, token_id: int, now: datetime, *, owner: int | None = None
) -> PersonalToken:
    """Revoke a token; with `owner`, only one of that account's (else 404, as if none)."""
    record = await session.get(PersonalToken, token_id)
    if record is None or (owner is not None and record.account_id != owner):
        raise NotFound(f"no token {token_id}")
    record.revoked_at = record.revoked_at or now
    return record


async def account_of_token(session: AsyncSession, token: str, now: datetime) -> Account:
    """The enabled account a live token belongs to (its last use recorded); else 401."""
    record = await session.scalar(
        select(PersonalToken).where(PersonalToken.token_hash == hash_secret(token))
    )
    account = await session.get(Account, record.account_id) if record else None
    if record is None or record.revoked_at is not None or account is None or account.disabled:
        raise Unauthenticated("this token is unknown, revoked or its account disabled")
    record.last_used_at = now
    return account
