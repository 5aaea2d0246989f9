"""What freezing the start-up heap buys: one full garbage collection of a started API process,
before and after `gc.freeze()` (what `create_app(freeze_start_heap=True)` does once started).

The process imports the app and loads the language model, as the served app has once started;
then times a full collection (the pause every request in flight waits out), the median of seven,
walking every object alive, and again once they are frozen. Prints both, the objects each walks
and the ratio.

    .venv/bin/python bench/gc_pause.py
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script: the project root, not bench/ (whose calendar.py would shadow the stdlib).
sys.path[0] = str(Path(__file__).resolve().parents[1])

import gc  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

ROUNDS = 7


def full_collection_ms() -> float:
    timings = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        gc.collect()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def main() -> None:
    import service.app  # noqa: F401  (the app as uvicorn serves it, and all it imports)
    from routing.language import preload

    preload()
    walked = len(gc.get_objects())
    unfrozen = full_collection_ms()
    gc.freeze()
    frozen_walked = len(gc.get_objects())
    frozen = full_collection_ms()
    print(f"# bench/gc_pause.py — one full collection, median of {ROUNDS}")
    print(f"start-up heap as it is: {unfrozen:9.3f} ms  ({walked:,} objects walked)")
    print(f"start-up heap frozen:   {frozen:9.3f} ms  ({frozen_walked:,} objects walked)")
    print(f"ratio frozen / as it is: {frozen / unfrozen:.5f}")


if __name__ == "__main__":
    main()
