"""Keeps `meridian run`'s processes (the embedded Redis, one API, one worker) alive: a child
that dies is started again after a pause that grows while it keeps dying, with a log line."""

from __future__ import annotations

import logging
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

log = logging.getLogger("meridian.run")
FIRST_PAUSE = 1.0
LONGEST_PAUSE = 30.0
HEALTHY_AFTER = 60.0
"""A child that ran this long before dying is restarted after the first pause again."""


@dataclass
class Child:
    name: str
    argv: Sequence[str]
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    restart_at: float | None = None
    pause: float = FIRST_PAUSE
    restarts: int = 0


@dataclass
class Supervisor:
    children: list[Child]
    env: Mapping[str, str]
    clock: Callable[[], float] = time.monotonic
    spawn: Callable[..., subprocess.Popen[bytes]] = subprocess.Popen

    def start(self) -> None:
        """Start every child not already running (one may be handed over started)."""
        for child in self.children:
            if child.process is None:
                self._start(child)

    def _start(self, child: Child) -> None:
        child.process = self.spawn(list(child.argv), env=dict(self.env))
        child.started_at, child.restart_at = self.clock(), None

    def step(self) -> None:
        """Notice dead children and start them again when their pause is over."""
        now = self.clock()
        for child in self.children:
            process = child.process
            if child.restart_at is not None:
                if now >= child.restart_at:
                    child.restarts += 1
                    log.warning("%s: starting again (restart %d)", child.name, child.restarts)
                    self._start(child)
                continue
            if process is None or (code := process.poll()) is None:
                continue
            if now - child.started_at >= HEALTHY_AFTER:
                child.pause = FIRST_PAUSE
            log.warning(
                "%s exited with status %s; starting it again in %.0f s",
                child.name,
                code,
                child.pause,
            )
            child.restart_at = now + child.pause
            child.pause = min(LONGEST_PAUSE, child.pause * 2)

    def stop(self, timeout: float = 15.0) -> None:
        """SIGINT to every child but the first together (the API and the worker), then to the
        first (the embedded Redis they use, when there is one); SIGKILL to any still running
        `timeout` seconds after its signal. Returns once every child has exited."""
        self._stop_together(self.children[1:], timeout)
        self._stop_together(self.children[:1], timeout)

    def _stop_together(self, children: Sequence[Child], timeout: float) -> None:
        running = [
            child.process
            for child in children
            if child.process is not None and child.process.poll() is None
        ]
        for process in running:
            process.send_signal(signal.SIGINT)
        deadline = time.monotonic() + timeout
        for process in running:
            try:
                process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
