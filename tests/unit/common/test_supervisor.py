"""`meridian run` keeps its children alive: a dead one is started again, after a pause that
doubles while it keeps dying, and every restart is logged."""

from __future__ import annotations

import logging
import sys
import time

import pytest

from service.common.supervisor import FIRST_PAUSE, Child, Supervisor

DIES = [sys.executable, "-c", "raise SystemExit(3)"]
LIVES = [sys.executable, "-c", "import time; time.sleep(60)"]


def test_a_dead_child_is_started_again_and_a_living_one_left_alone(
    caplog: pytest.LogCaptureFixture,
) -> None:
    now = [0.0]
    supervisor = Supervisor(
        [Child("worker", DIES), Child("api", LIVES)], env={}, clock=lambda: now[0]
    )
    supervisor.start()
    try:
        worker, api = supervisor.children
        assert worker.process is not None
        worker.process.wait(timeout=10)
        with caplog.at_level(logging.WARNING, logger="meridian.run"):
            supervisor.step()  # noticed: restart scheduled after the first pause
            assert worker.restart_at == FIRST_PAUSE and worker.restarts == 0
            now[0] = FIRST_PAUSE
            supervisor.step()  # started again
        assert worker.restarts == 1
        assert "worker exited with status 3" in caplog.text
        assert "worker: starting again (restart 1)" in caplog.text

        worker.process.wait(timeout=10)  # it dies again at once: the pause doubles
        supervisor.step()
        assert worker.restart_at == now[0] + 2 * FIRST_PAUSE
        assert api.restarts == 0 and api.process is not None and api.process.poll() is None
    finally:
        started = time.monotonic()
        supervisor.stop(timeout=5)
        assert time.monotonic() - started < 10
    assert all(child.process and child.process.poll() is not None for child in supervisor.children)
