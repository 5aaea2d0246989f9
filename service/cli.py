"""The `meridian` command: run the service, manage the database, teams and calendars, detect."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from routing.model import TeamSpec
from routing.team_file import TeamFileError, parse_teams
from service.accounts.services import (
    ROLES,
    FirstAccounts,
    NewAccount,
    add_account,
    disable_account,
    first_accounts,
    list_accounts,
    parse_languages,
    set_password,
)
from service.accounts.tokens import create_token, list_tokens, revoke_token
from service.cases.privacy import cases_of, erase_case, export_case
from service.common.errors import DomainError
from service.common.logs import configure_logging, logging_config
from service.common.supervisor import Child, Supervisor
from service.db.engine import create_engine, session_factory
from service.db.migrate import upgrade
from service.i18n.translator_stats import locale_stats, render_table
from service.notify.mail_drop import latest
from service.settings import PROJECT_ROOT, VAR_DIR, Settings, local_secret
from service.teams.directory import TeamChanges, export_teams, team_count, upsert_teams
from service.teams.staffing import PlanRequest, parse_handle_minutes, render_plan, staffing_plan

T = TypeVar("T")
SAMPLE_TEAMS = PROJECT_ROOT / "service" / "data" / "sample_teams.toml"
SUPERVISE_EVERY = 1.0
"""Seconds between two looks at `meridian run`'s children."""
log = logging.getLogger("meridian.run")


def _read_teams(path: str) -> list[TeamSpec]:
    try:
        return parse_teams(Path(path).read_text(encoding="utf-8"))
    except TeamFileError as exc:
        for problem in exc.problems:
            where = f"{path}:{problem.line}" if problem.line else path
            print(f"{where}: {problem.message}", file=sys.stderr)
        raise SystemExit(1) from exc


def _append_private(name: str, lines: Sequence[str]) -> Path:
    """Append lines to a file in var/ that only its owner can read (created so, never widened)."""
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / name
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "a") as out:
        out.writelines(f"{line}\n" for line in lines)
    return path


def _save_keys(keys: dict[str, str]) -> None:
    if not keys:
        return
    path = _append_private("team-keys.txt", [f"{team} {key}" for team, key in keys.items()])
    print(f"API keys of {len(keys)} new team(s) written to {path} (X-Api-Key header)")


def cmd_detect(args: argparse.Namespace) -> int:
    from routing.language import detect

    hints = tuple(args.hint or ())
    for line in sys.stdin:
        text = line.rstrip("\n")
        result = detect(text, hints)
        print(json.dumps(asdict(result), ensure_ascii=False) if args.json else result.language)
    return 0


def cmd_db_upgrade(_: argparse.Namespace) -> int:
    before, after = upgrade(Settings.from_env().database_url)
    if before == after:
        print(f"database already at revision {after}; nothing to do")
    else:
        print(f"database upgraded: revision {before or '(empty)'} → {after}")
    return 0


def _print_changes(changes: TeamChanges) -> None:
    for key in changes.created:
        print(f"{key}: created")
    for key, fields in changes.updated.items():
        print(f"{key}: updated ({', '.join(fields)})")
    for key in changes.unchanged:
        print(f"{key}: unchanged")
    print(
        f"{len(changes.created)} created, {len(changes.updated)} updated, "
        f"{len(changes.unchanged)} unchanged"
    )


def cmd_calendar(args: argparse.Namespace) -> int:
    if args.action == "check":
        specs = _read_teams(args.file)
        print(f"{args.file}: {len(specs)} team(s), no problems")
    elif args.action == "import":
        specs = _read_teams(args.file)
        loopback = Settings.from_env().dev_http_webhooks
        changes = _in_transaction(
            lambda session: upsert_teams(session, specs, allow_loopback_http=loopback)
        )
        _print_changes(changes)
        _save_keys(changes.api_keys)
    else:
        text = _in_transaction(export_teams)
        if args.file == "-":
            sys.stdout.write(text)
        else:
            Path(args.file).write_text(text, encoding="utf-8")
    return 0


def cmd_seed(_: argparse.Namespace) -> int:
    """Load the sample teams when the database has none, and the first accounts (an admin and
    an agent per team) when it has no accounts, in one transaction. The accounts' one-time
    passwords go to var/first-accounts.txt (0600), never to the terminal."""
    specs = _read_teams(str(SAMPLE_TEAMS))

    async def seed(session: AsyncSession) -> tuple[int, TeamChanges | None, FirstAccounts]:
        count = await team_count(session)
        changes = None if count else await upsert_teams(session, specs)
        return count, changes, await first_accounts(session)

    count, changes, accounts = _in_transaction(seed)
    if changes is None:
        print(f"database already has {count} teams; nothing loaded")
    else:
        print(f"loaded {len(changes.created)} teams from {SAMPLE_TEAMS.name}")
        _save_keys(changes.api_keys)
    if accounts:
        lines = [
            f"{new.email} {new.role} {','.join(new.teams) or '-'} {password}"
            for new, password in accounts
        ]
        path = _append_private("first-accounts.txt", lines)
        print(f"{len(accounts)} first accounts created; their passwords are in {path}")
    return 0


def _in_transaction(work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    """Run `work` in one transaction on the configured database; a domain error is printed
    (with each field's problem) and ends the command with status 1."""

    async def run() -> T:
        engine = create_engine(Settings.from_env().database_url)
        try:
            async with session_factory(engine)() as session, session.begin():
                return await work(session)
        finally:
            await engine.dispose()

    try:
        return asyncio.run(run())
    except DomainError as error:
        print(f"meridian: {error.detail}", file=sys.stderr)
        for problem in error.errors or ():
            print(f"  {problem.get('field')}: {problem.get('message')}", file=sys.stderr)
        raise SystemExit(1) from error


def _password_from_stdin() -> str:
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        print("meridian: give the password on standard input (--password-stdin)", file=sys.stderr)
        raise SystemExit(2)
    return password


def cmd_users(args: argparse.Namespace) -> int:
    """Accounts: add, list, disable, reset a password."""
    if args.action == "list":
        for account in _in_transaction(list_accounts):
            state = "disabled" if account.disabled else "active"
            teams = ",".join(account.teams) or "-"
            languages = (
                ",".join(f"{t}={lvl}" for t, lvl in (account.languages or {}).items()) or "-"
            )
            print(
                f"{account.email}\t{account.role}\t{teams}\t{account.region or '-'}\t{state}"
                f"\t{languages}\t{account.capacity}\t{account.presence}"
            )
        return 0
    if not args.email:
        print(f"meridian: users {args.action} needs an e-mail address", file=sys.stderr)
        return 2
    if args.action == "add":
        new = NewAccount(
            args.email,
            args.role,
            tuple(args.team or ()),
            args.region,
            args.locale,
            languages=parse_languages(" ".join(args.language or ())),
            capacity=args.capacity,
        )
        password = _password_from_stdin()
        account = _in_transaction(lambda session: add_account(session, new, password))
        print(f"added {account.email} ({account.role})")
    elif args.action == "disable":
        account = _in_transaction(lambda session: disable_account(session, args.email))
        print(f"disabled {account.email}")
    else:
        password = _password_from_stdin()
        account = _in_transaction(lambda session: set_password(session, args.email, password))
        print(f"new password set for {account.email}")
    return 0


def cmd_tokens(args: argparse.Namespace) -> int:
    """Personal API tokens: create (shown once), list, revoke."""
    if args.action == "create":
        _, token = _in_transaction(lambda session: create_token(session, args.target, args.name))
        print(token)
    elif args.action == "list":
        for record in _in_transaction(lambda session: list_tokens(session, args.target)):
            state = "revoked" if record.revoked_at else "active"
            used = record.last_used_at.isoformat() if record.last_used_at else "never used"
            print(f"{record.id}\t{record.name}\t{state}\t{used}")
    else:
        if not args.target.isdigit():
            print("meridian: tokens revoke takes a token id (see tokens list)", file=sys.stderr)
            return 2
        now = datetime.now(UTC)
        record = _in_transaction(lambda session: revoke_token(session, int(args.target), now))
        print(f"revoked token {record.id} ({record.name})")
    return 0


def cmd_privacy(args: argparse.Namespace) -> int:
    """An administrator acts on a person's request: their cases as JSON, or erased."""

    async def export(session: AsyncSession) -> list[dict[str, Any]]:
        return [await export_case(session, case) for case in await cases_of(session, args.email)]

    async def erase(session: AsyncSession) -> list[str]:
        now = datetime.now(UTC)
        cases = await cases_of(session, args.email)
        return [c.reference for c in cases if await erase_case(session, c, now, actor="admin")]

    if args.action == "export":
        print(json.dumps(_in_transaction(export), ensure_ascii=False, indent=2))
        return 0
    erased = _in_transaction(erase)
    print(f"erased the personal data of {len(erased)} case(s): {', '.join(erased) or '-'}")
    return 0


def cmd_mail(args: argparse.Namespace) -> int:
    """The newest e-mails written to the mail folder (no SMTP server configured)."""
    folder = Settings.from_env().mail_dir
    dropped = latest(folder, args.limit) if folder.is_dir() else []
    if not dropped:
        print(f"no e-mail in {folder}")
        return 0
    for mail in dropped:
        print(f"{mail.to}\t{mail.lang}\t{mail.subject}\t{mail.path}")
    return 0


def cmd_api(_: argparse.Namespace) -> int:
    """One API process (uvicorn) with Meridian's logging; run as many as you need."""
    import uvicorn

    settings = Settings.from_env()
    uvicorn.run(
        "service.app:app", host=settings.host, port=settings.port, log_config=logging_config()
    )
    return 0


def cmd_worker(_: argparse.Namespace) -> int:
    """One arq worker with Meridian's logging; run as many as you need. When Redis goes away
    the worker waits for it (longer each time, up to a minute) and starts again."""
    from arq.worker import run_worker
    from redis.exceptions import RedisError

    from workers.settings import WorkerSettings

    configure_logging()
    pause = 1.0
    while True:
        started = time.monotonic()
        try:
            run_worker(WorkerSettings)  # type: ignore[arg-type]
            return 0  # stopped by a signal
        except (RedisError, OSError) as lost:
            if time.monotonic() - started > 60:
                pause = 1.0  # it ran a while: start again soon
            log.warning("worker lost Redis (%s); starting again in %.0f s", lost, pause)
            time.sleep(pause)
            pause = min(60.0, pause * 2)


def _stop_on_sigterm(_signum: int, _frame: object) -> None:
    """SIGTERM stops `meridian run` like Ctrl-C does."""
    raise KeyboardInterrupt


def cmd_run(_: argparse.Namespace) -> int:
    """API and worker together, with an embedded Redis when REDIS_URL is unset; Ctrl-C stops all."""
    from service.outbox.embedded_redis import EmbeddedRedis

    configure_logging()
    # Secrets made now, before the API and the worker start, so both read the same ones.
    settings = Settings.from_env().with_local_secrets()
    cmd_db_upgrade(argparse.Namespace())
    cmd_seed(argparse.Namespace())
    env = dict(
        os.environ,
        MERIDIAN_OPS_KEY=os.environ.get("MERIDIAN_OPS_KEY") or local_secret("ops-key.txt"),
    )
    children = [
        Child("api", [sys.executable, "-m", "service.cli", "api"]),
        Child("worker", [sys.executable, "-m", "service.cli", "worker"]),
    ]
    if not settings.redis_url:
        # Started here, so the API and worker find it ready; supervised like them afterwards.
        embedded = EmbeddedRedis(VAR_DIR / "redis").start()
        env["REDIS_URL"] = embedded.url
        children.insert(0, Child("redis", embedded.command(), embedded.process, time.monotonic()))
        print(f"embedded Redis-protocol server on {embedded.url}")
    supervisor = Supervisor(children, env=env)
    supervisor.start()
    print(f"Meridian on http://{settings.host}:{settings.port}  (API docs: /schema)")
    print(
        f"ops key (X-Ops-Key): stored in {VAR_DIR / 'ops-key.txt'} unless MERIDIAN_OPS_KEY is set"
    )
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    # Ctrl-C stops everything even when this was started with SIGINT ignored (as a shell's
    # background job is): the supervisor must not outlive a request to stop.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        while True:  # a child that dies is started again (see service/common/supervisor.py)
            supervisor.step()
            time.sleep(SUPERVISE_EVERY)
    except KeyboardInterrupt:
        pass
    finally:
        supervisor.stop()
    return 0


def cmd_plan(args: argparse.Namespace) -> int:
    """Agents needed per language and hour of the week against the seats on duty (Erlang C)."""
    try:
        handle = parse_handle_minutes(",".join([Settings.from_env().handle_minutes, *args.handle]))
    except ValueError as error:
        print(f"meridian: --handle {error}", file=sys.stderr)
        return 2
    request = PlanRequest(
        weeks=args.weeks,
        zone=args.zone,
        language=args.language,
        target_seconds=args.target_seconds,
        target_level=args.target_level,
        handle_minutes=handle,
    )
    now = datetime.now(UTC)
    plan = _in_transaction(lambda session: staffing_plan(session, now, request))
    print(render_plan(plan))
    return 0


def cmd_locales(args: argparse.Namespace) -> int:
    now = datetime.now(UTC)
    stats = _in_transaction(lambda session: locale_stats(session, now=now, days=args.days))
    print(msgspec.json.encode(stats).decode() if args.json else render_table(stats))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="meridian", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="start the API and a worker").set_defaults(func=cmd_run)
    sub.add_parser("api", help="start one API process").set_defaults(func=cmd_api)
    sub.add_parser("worker", help="start one worker").set_defaults(func=cmd_worker)
    detect = sub.add_parser("detect", help="detect the language of each stdin line")
    detect.add_argument("--json", action="store_true", help="print the full detection")
    detect.add_argument("--hint", action="append", help="a locale hint (repeatable)")
    detect.set_defaults(func=cmd_detect)
    db = sub.add_parser("db", help="database migrations")
    db.add_argument("action", choices=["upgrade"])
    db.set_defaults(func=cmd_db_upgrade)
    calendar = sub.add_parser("calendar", help="check, import or export a team file (TOML)")
    calendar.add_argument("action", choices=["check", "import", "export"])
    calendar.add_argument("file", help="the TOML file ('-' exports to stdout)")
    calendar.set_defaults(func=cmd_calendar)
    sub.add_parser("seed", help="load the sample teams into an empty database").set_defaults(
        func=cmd_seed
    )
    plan = sub.add_parser("plan", help="staffing: agents needed per language and hour")
    plan.add_argument("what", choices=["staffing"])
    plan.add_argument("--weeks", type=int, default=4, help="weeks of history (default 4)")
    plan.add_argument("--zone", default="UTC", help="the clock of the table (default UTC)")
    plan.add_argument("--language", help="one language only, e.g. ja")
    plan.add_argument("--target-seconds", type=float, default=20.0, help="answer within (20)")
    plan.add_argument("--target-level", type=float, default=0.8, help="share answered (0.8)")
    plan.add_argument(
        "--handle",
        action="append",
        default=[],
        metavar="CATEGORY=MINUTES",
        help="handling time of a category (repeatable; others 10 min)",
    )
    plan.set_defaults(func=cmd_plan)
    locales = sub.add_parser("locales", help="translation coverage weighted by demand")
    locales.add_argument("action", choices=["stats"])
    locales.add_argument("--days", type=int, default=30, help="demand window (default 30)")
    locales.add_argument("--json", action="store_true")
    locales.set_defaults(func=cmd_locales)
    users = sub.add_parser("users", help="accounts: add, list, disable, reset-password")
    users.add_argument("action", choices=["add", "list", "disable", "reset-password"])
    users.add_argument("email", nargs="?", help="the account's e-mail address")
    users.add_argument("--role", choices=ROLES, default="agent")
    users.add_argument("--team", action="append", help="a team key (repeatable)")
    users.add_argument("--region", help="a lead's region")
    users.add_argument("--locale", default="en", help="the language of the account's pages")
    users.add_argument(
        "--language",
        action="append",
        metavar="TAG=LEVEL",
        help="a language the agent reads, e.g. ja=native (native, fluent, basic; repeatable)",
    )
    users.add_argument("--capacity", type=int, default=5, help="open cases the agent takes at once")
    users.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    users.set_defaults(func=cmd_users)
    tokens = sub.add_parser("tokens", help="personal API tokens: create, list, revoke")
    tokens.add_argument("action", choices=["create", "list", "revoke"])
    tokens.add_argument("target", help="an account's e-mail (create, list) or a token id (revoke)")
    tokens.add_argument("--name", default="api", help="what the token is for (create)")
    tokens.set_defaults(func=cmd_tokens)
    privacy = sub.add_parser("privacy", help="a person's data: export it as JSON, or erase it")
    privacy.add_argument("action", choices=["export", "erase"])
    privacy.add_argument("email", help="the contact e-mail address the cases were filed with")
    privacy.set_defaults(func=cmd_privacy)
    mail = sub.add_parser("mail", help="e-mail written to files when no SMTP server is set")
    mail.add_argument("action", choices=["list"])
    mail.add_argument("--limit", type=int, default=20, help="how many, newest first (default 20)")
    mail.set_defaults(func=cmd_mail)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # Everything this process creates under var/ (database, Redis data, keys, mail) is its own.
    os.umask(0o077)
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
