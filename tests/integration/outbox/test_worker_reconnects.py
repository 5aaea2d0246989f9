"""A worker survives a Redis outage: when Redis goes away it says so, waits, and serves again
once Redis is back (the issue: it used to exit and never come back)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import redis

from service.db.migrate import upgrade
from service.outbox.arq_connection import HEALTH_CHECK_KEY as HEALTH_KEY
from service.outbox.embedded_redis import EmbeddedRedis
from tests.conftest import wait_until


def _healthy(url: str) -> bool:
    client = redis.Redis.from_url(url, socket_timeout=0.5)
    try:
        return bool(client.exists(HEALTH_KEY))
    except redis.RedisError:
        return False
    finally:
        client.close()


def test_a_worker_waits_out_a_redis_outage_and_serves_again(tmp_path: Path) -> None:
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'meridian.db'}"
    upgrade(database_url)
    server = EmbeddedRedis(tmp_path / "redis").start()
    log = (tmp_path / "worker.log").open("wb")
    env = dict(
        os.environ,
        REDIS_URL=server.url,
        MERIDIAN_DATABASE_URL=database_url,
        MERIDIAN_VAR_DIR=str(tmp_path / "var"),
    )
    worker = subprocess.Popen(
        [sys.executable, "-m", "service.cli", "worker"], env=env, stdout=log, stderr=log
    )
    try:
        assert wait_until(lambda: _healthy(server.url), timeout=60), "the worker never started"
        server.stop()
        assert wait_until(
            lambda: b"worker lost Redis" in (tmp_path / "worker.log").read_bytes(), timeout=60
        ), (tmp_path / "worker.log").read_text()
        assert worker.poll() is None  # still there, waiting
        server.start()  # same port, same data
        client = redis.Redis.from_url(server.url)
        client.delete(HEALTH_KEY)
        client.close()
        assert wait_until(lambda: _healthy(server.url), timeout=90), (
            tmp_path / "worker.log"
        ).read_text()
        assert worker.poll() is None
    finally:
        worker.send_signal(2)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
        server.stop()
        log.close()
