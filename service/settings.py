"""Typed settings read from the environment (MERIDIAN_* and REDIS_URL)."""

from __future__ import annotations

import os
import secrets
import tempfile
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path

from routing.lifecycle import REOPEN_WINDOW

PROJECT_ROOT = Path(__file__).resolve().parents[1]
VAR_DIR = Path(os.environ.get("MERIDIAN_VAR_DIR", PROJECT_ROOT / "var"))
SECRET_KEY_FILE = "secret-key.txt"
DEFAULT_INTAKE_RATE_LIMIT = "30/minute"
DEFAULT_ACKNOWLEDGEMENTS_PER_HOUR = 5
MIB = 1024 * 1024
WEBHOOK_SECRET_FILE = "webhook-secret.txt"


def local_secret(name: str) -> str:
    """A random secret kept in var/ (made on first use): the embedded default's keys.

    Processes starting together agree on one secret: it is written to a private temporary file
    and linked into place, which fails for every process but the first.
    """
    path = VAR_DIR / name
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=VAR_DIR, delete=False) as draft:
            draft.write(secrets.token_urlsafe(32))
        try:
            os.link(draft.name, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(draft.name)
    return path.read_text(encoding="utf-8").strip()


def _stored_secret(name: str) -> str:
    """The secret kept in var/ if one was made before; "" (made at start-up) otherwise."""
    path = VAR_DIR / name
    return path.read_text(encoding="utf-8").strip() if path.exists() else ""


DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


def redis_url_from_env() -> str:
    return os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL


def _default_database_url() -> str:
    return f"sqlite+aiosqlite:///{VAR_DIR / 'meridian.db'}"


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str = field(default_factory=_default_database_url)
    """SQLAlchemy async URL: SQLite (default, a file under var/) or postgresql+asyncpg://…"""
    redis_url: str | None = None
    """Redis/Valkey URL for arq; None: `meridian run` starts an embedded server."""
    host: str = "127.0.0.1"
    port: int = 8000
    ops_api_key: str | None = None
    """Key for the ops API (header X-Ops-Key); None disables the ops API."""
    translator_api_key: str | None = None
    """Key of the translators' endpoints (header X-Translator-Key); the ops key works too."""
    inbound_email_secret: str | None = None
    """Shared secret of the mail relay posting to /api/v1/inbound/email."""
    public_base_url: str = "http://127.0.0.1:8000"
    """Base of links sent to customers (status page, survey)."""
    outbox_poll_seconds: float = 2.0
    """How often the API process drains the outbox to arq."""
    max_body_bytes: int = 64 * 1024
    secret_key: str = "dev-only-secret"
    """Signs the links e-mailed to customers; must be the same in every process (scale-out)."""
    webhook_secret: str = "dev-only-webhook-secret"
    """HMAC-SHA256 key of the X-Meridian-Signature header on team webhooks."""
    mail_dir: Path = VAR_DIR / "mail"
    """Where e-mail is written as .eml files when no SMTP server is configured."""
    intake_rate_limit: str = "0"
    """Complaints, survey answers and messages one client may submit, e.g. "30/minute"; "0"
    turns the limit off. The environment's default (from_env) is DEFAULT_INTAKE_RATE_LIMIT."""
    trusted_proxies: frozenset[str] = frozenset()
    """Addresses of reverse proxies whose X-Forwarded-For names the real client."""
    handle_minutes: str = ""
    """Handling minutes per category for the staffing planner, e.g. ``account=12,billing=8``
    (MERIDIAN_HANDLE_MINUTES); other categories take service.teams.staffing's default."""
    acknowledgements_per_hour: int = 0
    """Acknowledgement e-mails to one address per hour (later complaints are filed, unmailed);
    0: no cap. The environment's default (from_env) is DEFAULT_ACKNOWLEDGEMENTS_PER_HOUR."""

    @property
    def acknowledgement_cap(self) -> int | None:
        return self.acknowledgements_per_hour or None

    retention_days: int = 365
    """Personal data of cases resolved or closed longer ago than this is erased (hourly job)."""
    dev_http_webhooks: bool = False
    """Development only: team webhooks may use plain http:// to a loopback address."""
    tier_claim_secret: str | None = None
    """Key of the tier claims the company's site signs; None: every complaint is standard."""
    reopen_window_days: float = REOPEN_WINDOW.days
    """How many days after resolution a customer's message still reopens the case."""

    @property
    def reopen_window(self) -> timedelta:
        return timedelta(days=self.reopen_window_days)

    attachments_url: str | None = None
    """s3://bucket/prefix (AWS_* variables for credentials and endpoint) or file:///folder;
    None: files under `attachments_folder`."""
    attachments_folder: Path = VAR_DIR / "attachments"
    clamd_address: str | None = None
    """ClamAV's daemon, `unix:/run/clamav/clamd.ctl` or `host:3310`: every file is scanned."""
    attachment_max_bytes: int = 10 * MIB
    case_attachments_max_bytes: int = 50 * MIB
    """All the files on one case together."""

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        port = int(env.get("MERIDIAN_PORT", "8000"))
        host = env.get("MERIDIAN_HOST", "127.0.0.1")
        return cls(
            database_url=env.get("MERIDIAN_DATABASE_URL") or _default_database_url(),
            redis_url=env.get("REDIS_URL") or None,
            host=host,
            port=port,
            ops_api_key=env.get("MERIDIAN_OPS_KEY") or None,
            translator_api_key=env.get("MERIDIAN_TRANSLATOR_KEY") or None,
            inbound_email_secret=env.get("MERIDIAN_INBOUND_EMAIL_SECRET") or None,
            public_base_url=env.get("MERIDIAN_PUBLIC_URL") or f"http://{host}:{port}",
            secret_key=env.get("MERIDIAN_SECRET_KEY") or _stored_secret(SECRET_KEY_FILE),
            webhook_secret=env.get("MERIDIAN_WEBHOOK_SECRET")
            or _stored_secret(WEBHOOK_SECRET_FILE),
            mail_dir=Path(env.get("MERIDIAN_MAIL_DIR") or VAR_DIR / "mail"),
            tier_claim_secret=env.get("MERIDIAN_TIER_CLAIM_SECRET") or None,
            dev_http_webhooks=env.get("MERIDIAN_DEV_HTTP_WEBHOOKS") == "1",
            retention_days=int(env.get("MERIDIAN_RETENTION_DAYS") or 365),
            intake_rate_limit=env.get("MERIDIAN_INTAKE_RATE_LIMIT", DEFAULT_INTAKE_RATE_LIMIT),
            trusted_proxies=frozenset(
                p.strip() for p in env.get("MERIDIAN_TRUSTED_PROXIES", "").split(",") if p.strip()
            ),
            acknowledgements_per_hour=int(
                env.get("MERIDIAN_ACK_EMAILS_PER_HOUR") or DEFAULT_ACKNOWLEDGEMENTS_PER_HOUR
            ),
            handle_minutes=env.get("MERIDIAN_HANDLE_MINUTES", ""),
            reopen_window_days=float(env.get("MERIDIAN_REOPEN_WINDOW_DAYS") or REOPEN_WINDOW.days),
            attachments_url=env.get("MERIDIAN_ATTACHMENTS_URL") or None,
            clamd_address=env.get("MERIDIAN_CLAMD") or None,
            attachment_max_bytes=int(float(env.get("MERIDIAN_ATTACHMENT_MAX_MB") or 10) * MIB),
            case_attachments_max_bytes=int(
                float(env.get("MERIDIAN_CASE_ATTACHMENTS_MAX_MB") or 50) * MIB
            ),
        )

    @property
    def redis_url_or_default(self) -> str:
        """The Redis to connect to: the configured one, else the local default."""
        return self.redis_url or DEFAULT_REDIS_URL

    def with_local_secrets(self) -> Settings:
        """Secrets neither configured nor stored yet are made now and kept in var/; called when a
        process starts, never on import."""
        return replace(
            self,
            secret_key=self.secret_key or local_secret(SECRET_KEY_FILE),
            webhook_secret=self.webhook_secret or local_secret(WEBHOOK_SECRET_FILE),
        )
