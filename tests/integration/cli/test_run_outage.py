"""`meridian run` as `make run` starts it, with its embedded Redis killed in the middle of a burst
of complaints: every intake is answered 201 (or a clean 503 problem), the Redis server is started
again by the supervisor, every acknowledgement reaches the SMTP server exactly once, and the
processes' logs hold no customer's address or words."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Iterator
from email.parser import BytesParser
from email.policy import default
from pathlib import Path

import httpx
import pytest
from aiosmtpd.controller import Controller

from service.outbox.embedded_redis import free_port
from tests.integration.cli.test_cli import MERIDIAN, ROOT, service_env
from tests.integration.notify.test_smtp_outbound import CollectingHandler

BURST = 40
KILL_AFTER = 12


def _wait(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def _redis_pid(port: int) -> int:
    """The embedded server listening on `port`, found by the title it gives itself."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            title = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if b"-server 127.0.0.1:" + str(port).encode() + b"\0" in title:
            return int(entry.name)
    raise AssertionError(f"no Redis server on port {port}")


@pytest.fixture
def smtp() -> Iterator[tuple[CollectingHandler, int]]:
    handler = CollectingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield handler, controller.port
    finally:
        controller.stop()


def test_make_run_rides_out_a_redis_kill(
    tmp_path: Path, smtp: tuple[CollectingHandler, int]
) -> None:
    handler, smtp_port = smtp
    port = free_port()
    log_path = tmp_path / "run.log"
    env = service_env(
        tmp_path / "var",
        port,
        MERIDIAN_SMTP_HOST="127.0.0.1",
        MERIDIAN_SMTP_PORT=str(smtp_port),
    )
    with log_path.open("wb") as log:
        run = subprocess.Popen(
            [MERIDIAN, "run"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=30) as client:

            def healthy() -> bool:
                try:
                    return bool(client.get("/health").json()["status"] == "ok")
                except (httpx.HTTPError, ValueError):
                    return False

            _wait(healthy, 90, "meridian run to start")
            redis_port = int(log_path.read_text().split("redis://127.0.0.1:")[1].split("/")[0])
            statuses: list[int] = []
            for n in range(BURST):
                if n == KILL_AFTER:
                    os.kill(_redis_pid(redis_port), signal.SIGKILL)
                response = client.post(
                    "/api/v1/cases",
                    json={
                        "text": f"My parcel number {n} arrived broken.",
                        "contact": {"email": f"burst{n}@example.com"},
                    },
                )
                if response.status_code != 201:
                    assert response.status_code == 503, response.text
                    assert response.headers["content-type"].startswith("application/problem+json")
                statuses.append(response.status_code)
            accepted = statuses.count(201)
            assert accepted >= BURST - 5, statuses

            try:
                _wait(lambda: "redis exited with status -9" in log_path.read_text(), 30, "the log")
                _wait(healthy, 90, "the service to recover")
                _wait(lambda: len(handler.received) >= accepted, 150, "every acknowledgement")
            except AssertionError as late:
                tail = "\n".join(log_path.read_text().splitlines()[-80:])
                raise AssertionError(f"{late}; {len(handler.received)} received\n{tail}") from None
            time.sleep(2)  # a duplicate would arrive now
    finally:
        run.send_signal(signal.SIGINT)
        run.wait(timeout=60)
    ids = Counter(
        BytesParser(policy=default).parsebytes(mail.content)["Message-ID"]
        for mail in handler.received
    )
    assert len(ids) == accepted
    assert set(ids.values()) == {1}, [mid for mid, n in ids.items() if n > 1]
    log = log_path.read_text()
    assert "Traceback" not in log
    # The API's, the worker's and the supervisor's lines: no customer's address or words.
    assert "@example.com" not in log and "parcel" not in log
