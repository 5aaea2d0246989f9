"""A throwaway PostgreSQL cluster on loopback, for tests and benchmarks (never for production)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from service.outbox.embedded_redis import free_port


def pg_binary(name: str) -> str | None:
    """A PostgreSQL server program from PATH or Debian's /usr/lib/postgresql/<version>/bin."""
    if found := shutil.which(name):
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True)
    return str(candidates[0]) if candidates else None


def _as_postgres_user(cmd: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: drop to the `postgres` user when we are root."""
    return ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else cmd


def _run(cmd: list[str], *, check: bool = True) -> None:
    subprocess.run(_as_postgres_user(cmd), check=check, stdout=subprocess.DEVNULL)


@contextmanager
def throwaway_postgres() -> Iterator[str]:
    """Start a cluster in a temp dir (fsync off: data is disposable); yield its asyncpg URL."""
    initdb, pg_ctl = pg_binary("initdb"), pg_binary("pg_ctl")
    if not (initdb and pg_ctl):
        raise FileNotFoundError("no PostgreSQL server binaries (apt-get install postgresql)")
    base = Path(tempfile.mkdtemp(prefix="meridian-pg-"))
    data, sockets = base / "data", base / "run"
    sockets.mkdir()
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
        shutil.chown(sockets, "postgres")
    port = free_port()
    _run([initdb, "-D", str(data), "-U", "meridian", "--auth=trust", "-E", "UTF8", "--locale=C"])
    options = (
        f"-c listen_addresses=127.0.0.1 -p {port} -k {sockets} -c fsync=off"
        " -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    )
    _run([pg_ctl, "-D", str(data), "-o", options, "-w", "-l", str(base / "log"), "start"])
    try:
        yield f"postgresql+asyncpg://meridian@127.0.0.1:{port}/postgres"
    finally:
        _run([pg_ctl, "-D", str(data), "-m", "immediate", "stop"], check=False)
        shutil.rmtree(base, ignore_errors=True)
