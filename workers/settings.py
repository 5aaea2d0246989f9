"""arq worker settings: `arq workers.settings.WorkerSettings` (REDIS_URL, MERIDIAN_DATABASE_URL)."""

from __future__ import annotations

import os
from datetime import UTC
from typing import Any, ClassVar

from arq import cron, func
from arq.connections import RedisSettings
from arq.cron import CronJob

from routing.language import preload as preload_language_model
from service.attachments.backends import storage_for
from service.common.logs import configure_logging
from service.db.engine import create_engine, session_factory
from service.notify.smtp import SmtpSettings
from service.outbox.arq_connection import WORKER_HEALTH_INTERVAL, ArqConnection
from service.settings import Settings, redis_url_from_env
from workers.files import remove_files
from workers.handoff import handoff_team, schedule_handoffs, sweep_handoffs
from workers.notify import email_customer, escalate, notify_team
from workers.upkeep import apply_retention, drain_outbox, watch_sla

# arq reads the connection from the class itself, so only REDIS_URL is read on import.
REDIS_URL = redis_url_from_env()


# Each task's timeout is sized to the task, and none is over a minute: arq keeps a job's
# "in progress" mark in Redis for the longest timeout + 10 s, and a job whose worker died (or
# lost Redis) mid-run only comes back when that mark expires. The long tasks work in committed
# batches, so one cut short by its timeout leaves the rest to the next run.
TIMEOUTS = {
    "notify_team": 30,  # one webhook POST: 2 attempts of at most 10 s
    "escalate": 30,
    "email_customer": 45,  # SMTP with a 10 s timeout, or a file
    "remove_files": 45,  # one delete per file of a case
    "handoff_team": 60,  # batches of 5,000 cases; the minute sweep finishes a cut-short one
    "drain_outbox": 60,
    "schedule_handoffs": 30,
    "sweep_handoffs": 60,
    "watch_sla": 60,
    "apply_retention": 60,
}


def every_minute(task: Any) -> CronJob:
    timeout = TIMEOUTS[task.__name__]
    return cron(task, second=5, run_at_startup=True, unique=True, timeout=timeout)


async def startup(ctx: dict[str, Any]) -> None:
    configure_logging()  # also when started by arq's own CLI, which set up handlers of its own
    preload_language_model()
    settings = Settings.from_env().with_local_secrets()
    ctx["settings"] = settings
    ctx["smtp"] = SmtpSettings.from_env(os.environ)
    ctx["engine"] = create_engine(settings.database_url)
    ctx["sessions"] = session_factory(ctx["engine"])
    ctx["arq"] = ArqConnection(REDIS_URL)
    ctx["attachments"] = storage_for(settings.attachments_url, settings.attachments_folder)


async def shutdown(ctx: dict[str, Any]) -> None:
    await ctx["arq"].close()
    await ctx["attachments"].close()
    await ctx["engine"].dispose()


class WorkerSettings:
    functions: ClassVar[list[Any]] = [
        func(task, timeout=TIMEOUTS[task.__name__])
        for task in (notify_team, escalate, email_customer, handoff_team, remove_files)
    ]
    cron_jobs: ClassVar[list[Any]] = [
        cron(
            drain_outbox,
            second={0, 15, 30, 45},
            run_at_startup=True,
            unique=True,
            timeout=TIMEOUTS["drain_outbox"],
        ),
        every_minute(schedule_handoffs),
        every_minute(sweep_handoffs),
        every_minute(watch_sla),
        cron(apply_retention, minute=17, unique=True, timeout=TIMEOUTS["apply_retention"]),
    ]
    on_startup = startup
    on_shutdown = shutdown
    redis_settings: RedisSettings = RedisSettings.from_dsn(REDIS_URL)
    health_check_interval = WORKER_HEALTH_INTERVAL
    job_timeout = max(TIMEOUTS.values())
    max_tries = 8
    keep_result = 3600
    timezone = UTC
