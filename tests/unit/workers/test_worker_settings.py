"""The worker's settings bring a dead worker's jobs back within about a minute."""

from __future__ import annotations

from arq.worker import create_worker

from workers.settings import TIMEOUTS, WorkerSettings


def test_a_job_left_in_progress_by_a_dead_worker_comes_back_within_seventy_seconds() -> None:
    # arq marks a running job "in progress" for the longest task timeout + 10 s; a job whose
    # worker died, or lost Redis, mid-run is only picked up again when that mark expires.
    worker = create_worker(WorkerSettings)  # type: ignore[arg-type]
    assert worker.in_progress_timeout_s <= 70


def test_every_task_and_cron_job_has_its_own_timeout() -> None:
    worker = create_worker(WorkerSettings)  # type: ignore[arg-type]
    names = {name.removeprefix("cron:") for name in worker.functions}
    assert names == set(TIMEOUTS)
    assert all(worker.functions[name].timeout_s is not None for name in worker.functions)
