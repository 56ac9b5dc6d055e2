"""A short seeded run of benchmarks/fuzz_loaders.py: 500 malformed files across every format and
compression, each opened in a worker process with memory and time limits. Every outcome is a load or a
typed error naming the file with a line or byte position: no traceback, hang, dead worker, unbounded
allocation or pickle run. (The long run, 10,000 files, is the benchmark script; README has its figures.)"""
from __future__ import annotations

import numpy as np

from benchmarks.fuzz_loaders import FAILURES, fuzz


def test_five_hundred_malformed_files(glove_small):
    words, vectors = glove_small.words[:5000], np.asarray(glove_small.vectors[:5000, :12], dtype=np.float32)
    counts, failures, by_kind = fuzz(words, vectors, 500, seed=20251202, workers=2, timeout=30)
    assert sum(counts.values()) == 500
    assert failures == [], "\n\n".join(f"{o}: {label} ({folder})\n{detail}" for label, o, detail, folder in failures)
    assert not any(counts[f] for f in FAILURES)
    assert counts["loaded"] > 40 and counts["error+line"] > 200 and counts["error+byte"] > 50
    mutations = {m for m, _o in by_kind}
    assert {"cut", "flip", "header", "nan", "duplicate", "pickle", "long-line", "empty"} <= mutations
