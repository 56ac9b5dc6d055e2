"""core.progress: driving jobs, and nesting one job inside another."""
from __future__ import annotations

from core.progress import Progress, run_sync, scaled


def inner(n, log):
    try:
        for i in range(n):
            yield Progress((i + 1) / n, f"step {i + 1}")
        yield Progress(-1, "thinking")
        return "done"
    finally:
        log.append("inner closed")


def test_scaled_maps_fractions_and_returns_the_result():
    log, seen = [], []

    def outer():
        r = yield from scaled(inner(4, log), 0.5, 1.0, "part two: ")
        return r + "!"

    assert run_sync(outer(), seen.append) == "done!"
    assert [p.fraction for p in seen] == [0.625, 0.75, 0.875, 1.0, -1]
    assert seen[0].message == "part two: step 1"
    assert log == ["inner closed"]


def test_closing_the_outer_job_closes_the_nested_one_at_once():
    log = []
    outer = scaled(inner(10, log), 0.0, 1.0)
    next(outer)
    outer.close()
    assert log == ["inner closed"]
