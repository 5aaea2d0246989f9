"""One logging set-up for the API, the worker and the CLI: one line per event, one format."""

from __future__ import annotations

import logging.config
from typing import Any

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Libraries that bring handlers of their own; here they hand their records to the root's.
_LIBRARY_LOGGERS = ("uvicorn", "uvicorn.error", "arq")


class WithoutQueryStrings(logging.Filter):
    """Uvicorn's access lines without query strings: a status link's `?token=` is a secret."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "uvicorn.access" and isinstance(record.args, tuple):
            record.args = tuple(
                arg.split("?", 1)[0] if isinstance(arg, str) and "?" in arg else arg
                for arg in record.args
            )
        return True


def logging_config(level: str = "INFO") -> dict[str, Any]:
    """A `logging.config.dictConfig` dict: one stderr handler on the root logger, nowhere else;
    access lines lose their query strings."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"format": LOG_FORMAT}},
        "filters": {"no_query": {"()": WithoutQueryStrings}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain"}},
        "root": {"handlers": ["stderr"], "level": level},
        "loggers": {
            **{
                name: {"handlers": [], "propagate": True, "level": level}
                for name in _LIBRARY_LOGGERS
            },
            "uvicorn.access": {
                "handlers": [],
                "propagate": True,
                "level": level,
                "filters": ["no_query"],
            },
            # `meridian db upgrade` reports the revisions itself; Alembic's steps are noise.
            "alembic": {"handlers": [], "propagate": True, "level": "WARNING"},
            # httpx logs every request's full URL (webhooks may carry secrets in theirs).
            "httpx": {"handlers": [], "propagate": True, "level": "WARNING"},
        },
    }


def configure_logging(level: str = "INFO") -> None:
    logging.config.dictConfig(logging_config(level))
