"""The recurrent language model against a unigram model and SmolLM2, and its timings (not a test).

1. held-out perplexity per word on the same text: the first held-out paragraphs of the corpus
   (models/rnn_corpus.py: every tenth document is never trained on) up to ``--words`` words.
   Every model scores every token of each paragraph from its start (the RNN after <eos> from
   the zero state, SmolLM2 after its start token, the unigram model with no context); the sum
   of log-probabilities is divided by the number of words (the RNN tokenizer's words), so
   punctuation counts inside its word. The RNN and the unigram model read unknown words as
   <unk> (their closed 10,000-word vocabulary); SmolLM2 scores the exact text, capitals included.
2. one RNN step (one onnxruntime call, seq 1), median of 2,000.
3. a 10,000-word paste read as a job (chunks of 256 tokens).
4. with ``--gui``: the Recurrent state panel (offscreen, 2D view), a 50-token text's last keystroke
   until its path is drawn (the 10 ms debounce, the read on the task runner, the drawing), median of 20.

    .venv/bin/python benchmarks/bench_rnn.py [--words 3000] [--no-smollm] [--gui]
"""
from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.inference import registry
from core.inference.rnn_vocab import EOS, is_word, tokenize
from core.inference.sampling import log_softmax
from core.progress import run_sync
from models import rnn_corpus


def heldout_paragraphs(max_words: int) -> list[str]:
    _, held = rnn_corpus.split()
    out, n = [], 0
    for _, paras in held:
        for p in paras:
            if n >= max_words:
                return out
            out.append(p)
            n += sum(map(is_word, tokenize(p)))
    return out


def rnn_logprob(rnn, paras: list[str]) -> float:
    total = 0.0
    for p in paras:
        ids = [rnn.vocab.eos_id, *rnn.vocab.ids(tokenize(p))]
        lp, _ = rnn.forward(ids[:-1])
        total += float(sum(lp[j, t] for j, t in enumerate(ids[1:])))
    return total


def unigram_logprob(rnn, paras: list[str]) -> float:
    train, _ = rnn_corpus.split()
    toks = [t for _, ps in train for t in rnn_corpus.doc_tokens(ps) if t != EOS]
    counts = np.bincount(rnn.vocab.ids(toks), minlength=len(rnn.vocab)).astype(np.float64) + 1.0
    counts[rnn.vocab.eos_id] = 0.0  # never scored (a layout mark)
    with np.errstate(divide="ignore"):
        logp = np.log(counts / counts.sum())
    return float(sum(logp[i] for p in paras for i in rnn.vocab.ids(tokenize(p))))


def smollm_logprob(paras: list[str]) -> float:
    lm = registry.open(registry.LANGUAGE_MODEL, precision="fp32")
    total = 0.0
    for p in paras:
        ids = [t.id for t in lm.tokenize(p)]
        logits = lm.forward(np.array([ids]), ("logits",))["logits"][0]
        lp = log_softmax(logits[:-1])
        total += float(sum(lp[j, t] for j, t in enumerate(ids[1:])))
    return total


def path_draw_ms(repeats: int = 20) -> list[float]:
    """The last keystroke of a 50-token text until the panel has drawn its path (ms)."""
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from core.state.session import Session
    from gui.canvas.view_2d import View2D
    from gui.controllers import Controllers
    from gui.panels.language.recurrent_panel import RecurrentPanel
    from gui.task_runner import TaskRunner

    app = QApplication.instance() or QApplication([])
    session, runner = Session(), TaskRunner()
    controllers = Controllers(session, runner)
    panel = RecurrentPanel(session, runner, view=View2D())
    panel.resize(900, 800)
    panel.show()
    m = session.language.recurrent
    m.active = True
    words = ("the prime minister said on tuesday that the government would not change its policy on the war in "
             "afghanistan , and that the united states had asked australia to send more troops to the region "
             "before the end of the year , after a meeting in canberra with the").split()

    def wait(cond, timeout=30.0):
        t0 = time.perf_counter()
        while not cond() and time.perf_counter() - t0 < timeout:
            app.processEvents()
            time.sleep(0.0005)

    panel.inputs[1].setText("")
    wait(lambda: m.paths is not None and m.paths.paths[1] is None)
    times = []
    for i in range(repeats):
        last = ("minister", "leader", "president", "people")[i % 4]
        panel.inputs[0].setText(" ".join(words + [last]))
        t0 = time.perf_counter()
        wait(lambda w=last: m.paths is not None and m.paths.paths[0].tokens[-1] == w and panel.drawn == 50)
        times.append(1e3 * (time.perf_counter() - t0))
    panel.close()
    runner.shutdown()
    del controllers
    return times


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--words", type=int, default=3000)
    ap.add_argument("--no-smollm", action="store_true")
    ap.add_argument("--gui", action="store_true")
    args = ap.parse_args()
    rnn = registry.open(registry.RNN)
    paras = heldout_paragraphs(args.words)
    words = sum(sum(map(is_word, tokenize(p))) for p in paras)
    print(f"held-out text: {len(paras)} paragraphs, {words} words")
    scores = {"GRU (this model)": rnn_logprob(rnn, paras), "unigram (same vocabulary)": unigram_logprob(rnn, paras)}
    if not args.no_smollm:
        t0 = time.perf_counter()
        scores["SmolLM2-135M (fp32)"] = smollm_logprob(paras)
        print(f"SmolLM2 scored in {time.perf_counter() - t0:.0f} s")
    for name, lp in scores.items():
        print(f"{name:<28} perplexity per word {math.exp(-lp / words):8.1f}")
    h, times = rnn.zero_state(), []
    the = rnn.vocab.id("the")
    for _ in range(2000):
        t0 = time.perf_counter()
        _, h = rnn.step(the, h)
        times.append(time.perf_counter() - t0)
    print(f"one RNN step: median {1e3 * statistics.median(times):.3f} ms, p95 {1e3 * np.percentile(times, 95):.3f} ms")
    paste = " ".join(" ".join(paras) for _ in range(10)).split()[:10_000]
    t0 = time.perf_counter()
    reading = run_sync(rnn.read_job(" ".join(paste)))
    print(f"10,000-word paste: {len(reading.steps):,} tokens read in {time.perf_counter() - t0:.2f} s")
    if args.gui:
        ms = path_draw_ms()
        print(f"50-token path drawn after the last keystroke: median {statistics.median(ms):.0f} ms, "
              f"max {max(ms):.0f} ms (10 ms of it the debounce)")


if __name__ == "__main__":
    main()
