"""One log line per event in one format, also for libraries that bring their own handlers."""

from __future__ import annotations

import re
import subprocess
import sys

EMIT = """
import logging, logging.config
from arq.logs import default_log_config
from service.common.logs import configure_logging
logging.config.dictConfig(default_log_config(verbose=True))  # what `arq` the command does
configure_logging()
for name in ("arq.worker", "uvicorn.error", "meridian.worker"):
    logging.getLogger(name).info("event from %s", name)
logging.getLogger("alembic.runtime.migration").info("Context impl SQLiteImpl.")
"""
LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO (\S+): event from \1$")


def test_each_event_is_one_line_in_one_format() -> None:
    run = subprocess.run(
        [sys.executable, "-c", EMIT], capture_output=True, text=True, timeout=60, check=True
    )
    lines = run.stderr.splitlines()
    assert [LINE.match(line) is not None for line in lines] == [True, True, True], lines
    assert run.stdout == ""
