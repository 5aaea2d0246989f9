"""Create, list, disable and sign in accounts. Passwords are kept only as Argon2 hashes."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from routing.language.tags import canonical_tag
from routing.team_file import PROFICIENCIES
from service.common.caller import Caller
from service.common.errors import Conflict, NotFound, Unauthenticated, invalid
from service.common.validation import FieldErrors, check_email
from service.db.models import Account, Team

ROLES = ("agent", "lead", "ops", "translator", "admin")
ALL_TEAMS_ROLES = frozenset({"ops", "admin"})
SUPERVISING_ROLES = frozenset({"lead", "ops", "admin"})
MIN_PASSWORD_CHARS = 12
MAX_CAPACITY = 100
FIRST_ACCOUNT_DOMAIN = "meridian.example"
_hasher = PasswordHasher()


@cache
def _unknown_account_hash() -> str:
    """A hash no password matches, verified for unknown e-mail addresses (made on first use)."""
    return _hasher.hash(secrets.token_urlsafe(32))


@dataclass(frozen=True)
class NewAccount:
    email: str
    role: str
    teams: tuple[str, ...] = ()
    region: str | None = None
    locale: str = "en"
    languages: Mapping[str, str] = field(default_factory=dict)
    """Language tag -> native, fluent or basic (agents)."""
    capacity: int = 5
    """Open cases the agent takes at once."""


def normalized_email(email: str) -> str:
    return email.strip().lower()


def parse_languages(text: str) -> dict[str, str]:
    """ "ja=native en=fluent" (spaces or commas) as a mapping; a pair without "=" keeps an empty
    level, which add_account then names as wrong."""
    pairs = (item.partition("=") for item in text.replace(",", " ").split())
    return {tag.strip(): level.strip() for tag, _, level in pairs}


async def caller_for(session: AsyncSession, account: Account) -> Caller:
    """What a signed-in account may do, and the name its changes are recorded under: its teams,
    for a lead also every team of the lead's region."""
    teams = set(account.teams)
    if account.role == "lead" and account.region:
        query = select(Team.key).where(Team.region == account.region)
        teams.update((await session.scalars(query)).all())
    return Caller(
        teams=frozenset(teams),
        ops=account.role in ALL_TEAMS_ROLES,
        translator=account.role in ("translator", *ALL_TEAMS_ROLES),
        supervisor=account.role in SUPERVISING_ROLES,
        actor=account.email,
    )


async def add_account(session: AsyncSession, new: NewAccount, password: str) -> Account:
    """Create an account (422 naming each bad field, 409 if the e-mail is taken)."""
    email = normalized_email(new.email)
    errors = FieldErrors()
    errors.add("email", check_email(email))
    if new.role not in ROLES:
        errors.add("role", f"must be one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD_CHARS:
        errors.add("password", f"must be at least {MIN_PASSWORD_CHARS} characters")
    if new.role == "agent" and not new.teams:
        errors.add("teams", "an agent needs at least one team")
    for tag, level in new.languages.items():
        if canonical_tag(tag) is None or level not in PROFICIENCIES:
            errors.add(
                "languages", f"{tag}={level}: expected a language tag = native, fluent or basic"
            )
    if not 1 <= new.capacity <= MAX_CAPACITY:
        errors.add("capacity", f"must be a whole number from 1 to {MAX_CAPACITY}")
    known = set((await session.scalars(select(Team.key))).all())
    if unknown := sorted(set(new.teams) - known):
        errors.add("teams", f"no team {', '.join(unknown)}")
    errors.raise_if_any()
    account = Account(
        email=email,
        password_hash=_hasher.hash(password),
        role=new.role,
        teams=sorted(set(new.teams)),
        region=new.region,
        locale=new.locale,
        languages={canonical_tag(tag): level for tag, level in new.languages.items()},
        capacity=new.capacity,
    )
    session.add(account)
    try:
        await session.flush()
    except IntegrityError as error:
        raise Conflict(f"an account for {email} exists already") from error
    return account


async def list_accounts(session: AsyncSession) -> Sequence[Account]:
    return (await session.scalars(select(Account).order_by(Account.email))).all()


async def team_members(session: AsyncSession, team: str) -> list[str]:
    """The e-mails of the enabled agents and leads a case of `team` can be handed to."""
    query = select(Account).where(Account.disabled.is_(False), Account.role.in_(("agent", "lead")))
    accounts = (await session.scalars(query.order_by(Account.email))).all()
    region = await session.scalar(select(Team.region).where(Team.key == team))
    return [
        a.email
        for a in accounts
        if team in a.teams or (a.role == "lead" and a.region is not None and a.region == region)
    ]


async def find_account(session: AsyncSession, email: str) -> Account:
    query = select(Account).where(Account.email == normalized_email(email))
    if (account := await session.scalar(query)) is None:
        raise NotFound(f"no account {normalized_email(email)}")
    return account


async def disable_account(session: AsyncSession, email: str) -> Account:
    account = await find_account(session, email)
    account.disabled = True
    return account


async def set_password(session: AsyncSession, email: str, password: str) -> Account:
    """An admin's reset: the account gets a new password."""
    if len(password) < MIN_PASSWORD_CHARS:
        raise invalid("password", f"must be at least {MIN_PASSWORD_CHARS} characters")
    account = await find_account(session, email)
    account.password_hash = _hasher.hash(password)
    return account


async def sign_in(session: AsyncSession, email: str, password: str) -> Account:
    """The account whose password this is; one message for an unknown e-mail and a wrong
    password, so sign-in never tells which accounts exist."""
    account = await session.scalar(select(Account).where(Account.email == normalized_email(email)))
    try:
        # An unknown e-mail costs one hash too, so the time taken does not tell it apart.
        _hasher.verify(account.password_hash if account else _unknown_account_hash(), password)
        if account is None:
            raise VerificationError
    except (VerificationError, InvalidHashError) as error:
        raise Unauthenticated("wrong e-mail or password", kind="sign-in-failed") from error
    if account.disabled:
        raise Unauthenticated("this account is disabled", kind="account-disabled")
    if _hasher.check_needs_rehash(account.password_hash):
        account.password_hash = _hasher.hash(password)
    return account


async def account_count(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).select_from(Account)) or 0)


FirstAccounts = list[tuple[NewAccount, str]]
"""Accounts made on an empty table, each with its one-time password."""


async def first_accounts(session: AsyncSession) -> FirstAccounts:
    """On an empty accounts table: an admin and one agent per team, each with a random
    one-time password (returned, to be handed over once); nothing otherwise."""
    if await account_count(session):
        return []
    wanted = [NewAccount(f"admin@{FIRST_ACCOUNT_DOMAIN}", "admin")]
    for team in (await session.scalars(select(Team).order_by(Team.key))).all():
        email = f"agent-{team.key}@{FIRST_ACCOUNT_DOMAIN}"
        # The sample agent reads what their team reads, so new cases are offered to them.
        wanted.append(NewAccount(email, "agent", (team.key,), languages=dict(team.languages)))
    made = []
    for new in wanted:
        password = secrets.token_urlsafe(16)
        await add_account(session, new, password)
        made.append((new, password))
    return made
