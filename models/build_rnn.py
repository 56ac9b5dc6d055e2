"""Train a small recurrent (GRU) word-level language model on offline text and export it to ONNX.

Corpus (models/rnn_corpus.py): the Lee news stories and 106 Wikipedia articles shipped in
gensim's test data, about 513,000 training tokens; every tenth document is held out.
Words (core/inference/rnn_vocab.py): the 9,998 most frequent tokens of the training part plus
<unk> and <eos>. Network: embedding 128 -> GRU 256 -> adaptive softmax (cutoffs 2,000 / 5,000,
the rarer words through smaller projections), trained with a fixed seed on one thread
(bit-for-bit reproducible on one machine).

``model.onnx``  tokens (batch, seq) int64, h0 (1, batch, 256) float32 ->
                log_probs (batch, seq, vocab), states (batch, seq, 256), h (1, batch, 256)
                One call is one step (seq 1) or a whole text (the state carried inside).
``vocab.txt``   one word a line, the row order of the ids (and of the embedding table).
``background.npz`` the state at the end of 2,000 training sentences, each read from a zero state.
``reference.npz`` onnxruntime's outputs on a few texts, for the tests and ``models verify``.
"""
from __future__ import annotations

import math
import time
import warnings
from collections import Counter
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

from core.inference.rnn_vocab import EOS, SPECIALS, UNK, Vocab, is_word, tokenize
from core.progress import Job, Progress
from models import rnn_corpus
from models.build_common import quiet_build_logs, require_build_extra, sha256_file, strip_debug_info, tool_versions

NAME = "gru-lm"
RECIPE_VERSION = 2  # 2: embeddings start small (uniform +-0.1), background compressed
LICENCE = f"weights trained here (MIT, as this project); text: {rnn_corpus.LICENCE}"
REFERENCE_TEXTS = ("let's eat, charles", "let's eat charles", "the united states and the united nations .",
                   "the prime minister said")


@dataclass(frozen=True)
class Settings:
    seed: int = 0
    vocab: int = 10_000
    embed: int = 128
    hidden: int = 256
    cutoffs: tuple[int, ...] = (2000, 5000)
    epochs: int = 3
    batch: int = 64
    bptt: int = 35
    lr: float = 3e-3
    clip: float = 1.0
    max_train_tokens: int = 0  # 0: all; a test builds a tiny model from the first N tokens
    background: int = 2000


SETTINGS = Settings()


def recipe(settings: Settings = SETTINGS) -> dict:
    return {
        "recipe_version": RECIPE_VERSION,
        "source_sha256": [sha256_file(p) for p in rnn_corpus.sources()],  # two files: a list (manifest source.sha256)
        "settings": asdict(settings),
    }


def _network(s: Settings):
    import torch
    from torch import nn

    class GruLM(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embedding = nn.Embedding(s.vocab, s.embed)
            nn.init.uniform_(self.embedding.weight, -0.1, 0.1)  # small: what training moves shows (N(0,1) hides it)
            self.gru = nn.GRU(s.embed, s.hidden, batch_first=True)
            self.out = nn.AdaptiveLogSoftmaxWithLoss(s.hidden, s.vocab, list(s.cutoffs), div_value=4.0)

        def forward(self, tokens, h0):
            """log-probabilities of every next word, every state, the last state."""
            states, h = self.gru(self.embedding(tokens), h0)
            flat = states.reshape(-1, states.shape[-1])
            head = torch.log_softmax(self.out.head(flat), dim=-1)
            short = self.out.shortlist_size
            parts = [head[:, :short]]
            for i, tail in enumerate(self.out.tail):
                parts.append(torch.log_softmax(tail(flat), dim=-1) + head[:, short + i : short + i + 1])
            log_probs = torch.cat(parts, dim=-1).reshape(states.shape[0], states.shape[1], -1)
            return log_probs, states, h

    return GruLM()


def _vocabulary(train_tokens: list[str], s: Settings) -> Vocab:
    counts = Counter(t for t in train_tokens if t not in SPECIALS)
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))  # ties by spelling: deterministic
    return Vocab([*SPECIALS, *[w for w, _ in ranked[: s.vocab - len(SPECIALS)]]])


def build(stage: Path, settings: Settings = SETTINGS) -> Job[dict]:
    """Read the corpus, train, export, measure and write the reference outputs; returns the manifest."""
    require_build_extra()
    quiet_build_logs()
    s = settings
    yield Progress(0.0, "reading the corpus (Lee news + Wikipedia from gensim's test data)")
    train_docs, held_docs = rnn_corpus.split()
    train_tokens = [t for _, paras in train_docs for t in rnn_corpus.doc_tokens(paras)]
    if s.max_train_tokens:
        train_tokens = train_tokens[: s.max_train_tokens]
    vocab = _vocabulary(train_tokens, s)
    if len(vocab) < s.vocab:
        s = replace(s, vocab=len(vocab), cutoffs=tuple(c for c in s.cutoffs if c < len(vocab) - 1))
    (stage / "vocab.txt").write_text("\n".join(vocab.words) + "\n", encoding="utf-8")
    net, history, seconds = yield from _train(np.array(vocab.ids(train_tokens), np.int64), s)
    yield Progress(0.82, "exporting model.onnx")
    opset = _export(net, s, stage / "model.onnx")
    yield Progress(0.85, "parity against torch, reference outputs")
    sess = _session(stage / "model.onnx")
    parity = _parity(net, sess, vocab, s, stage)
    yield Progress(0.88, "held-out perplexity (RNN and unigram)")
    metrics = _perplexities(sess, vocab, train_tokens, held_docs, s)
    yield Progress(0.94, f"held-out perplexity per word: RNN {metrics['rnn_ppl_word']:.0f}, "
                         f"unigram {metrics['unigram_ppl_word']:.0f}; background states")
    _background(sess, vocab, train_docs, s, stage)
    training = {"opset": opset, "tokens": len(train_tokens), "seconds": seconds, "history": history,
                "documents": [len(train_docs), len(held_docs)]}
    return _manifest(s, vocab, training, parity, metrics)


def _batches(ids: np.ndarray, s: Settings):
    """The token stream cut into ``batch`` parallel streams (rows), read ``bptt`` at a time."""
    n = (len(ids) - 1) // s.batch
    x = ids[: n * s.batch].reshape(s.batch, n)
    y = ids[1 : n * s.batch + 1].reshape(s.batch, n)
    return [(x[:, i : i + s.bptt], y[:, i : i + s.bptt]) for i in range(0, n, s.bptt)]


def _train(ids: np.ndarray, s: Settings):
    """A job: the network trained reproducibly (one thread, deterministic kernels); returns
    ``(net, history, seconds)``."""
    import torch

    torch.manual_seed(s.seed)
    torch.use_deterministic_algorithms(True)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # bit-for-bit reproducible, and as fast as two on a shared 2-core machine
    try:
        net = _network(s)
        batches = _batches(ids, s)
        opt = torch.optim.Adam(net.parameters(), lr=s.lr)
        total_steps = s.epochs * len(batches)
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda step: max(0.05, 1 - step / total_steps))
        history, t0 = [], time.perf_counter()
        for epoch in range(s.epochs):
            net.train()
            h = torch.zeros(1, s.batch, s.hidden)
            total = 0.0
            for i, (xb, yb) in enumerate(batches):
                x, y = torch.from_numpy(np.ascontiguousarray(xb)), torch.from_numpy(np.ascontiguousarray(yb))
                states, h = net.gru(net.embedding(x), h.detach())
                loss = net.out(states.reshape(-1, s.hidden), y.reshape(-1)).loss
                opt.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(net.parameters(), s.clip)
                opt.step()
                sched.step()
                total += loss.item()
                if i % 50 == 49:
                    done = (epoch * len(batches) + i + 1) / total_steps
                    yield Progress(0.02 + 0.8 * done, f"epoch {epoch + 1}/{s.epochs}, batch {i + 1}/{len(batches)}: "
                                                      f"training perplexity {math.exp(total / (i + 1)):.0f}")
            history.append({"epoch": epoch + 1, "train_ppl": round(math.exp(total / len(batches)), 1)})
        net.eval()
        return net, history, time.perf_counter() - t0
    finally:
        torch.set_num_threads(threads)
        torch.use_deterministic_algorithms(False)


def _export(net, s: Settings, out: Path) -> int:
    """``out``: the network as ONNX (an ONNX GRU node, any batch and length); returns its opset."""
    import onnx
    import torch

    tokens, h0 = torch.zeros(1, 3, dtype=torch.int64), torch.zeros(1, 1, s.hidden)
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            net, (tokens, h0), str(out), dynamo=False, opset_version=17,
            input_names=["tokens", "h0"], output_names=["log_probs", "states", "h"],
            dynamic_axes={"tokens": {0: "batch", 1: "seq"}, "h0": {1: "batch"},
                          "log_probs": {0: "batch", 1: "seq"}, "states": {0: "batch", 1: "seq"}, "h": {1: "batch"}},
        )
    strip_debug_info(out)
    return next(o.version for o in onnx.load(str(out)).opset_import if o.domain in ("", "ai.onnx"))


def _session(path: Path):
    import onnxruntime as ort

    so = ort.SessionOptions()
    so.log_severity_level = 3
    so.intra_op_num_threads = 1
    return ort.InferenceSession(str(path), so, providers=["CPUExecutionProvider"])


def _run(sess, ids: list[int], hidden: int, h0: np.ndarray | None = None):
    h0 = np.zeros((1, 1, hidden), np.float32) if h0 is None else h0
    return sess.run(None, {"tokens": np.array([ids], np.int64), "h0": h0})


def _parity(net, sess, vocab: Vocab, s: Settings, stage: Path) -> dict:
    """onnxruntime against torch on the reference texts; reference.npz (onnxruntime's outputs)."""
    import torch

    ref, diffs, agree = {}, [], []
    for i, text in enumerate(REFERENCE_TEXTS):
        ids = vocab.ids(tokenize(text))
        lp, states, h = _run(sess, ids, s.hidden)
        with torch.no_grad():
            t_lp, t_states, _ = net(torch.tensor([ids]), torch.zeros(1, 1, s.hidden))
        diffs += [float(np.abs(lp - t_lp.numpy()).max()), float(np.abs(states - t_states.numpy()).max())]
        agree.append(bool((lp[0].argmax(-1) == t_lp.numpy()[0].argmax(-1)).all()))
        ref[f"ids_{i}"] = np.array(ids, np.int64)
        ref[f"states_{i}"] = states[0]
        ref[f"log_probs_{i}"] = lp[0]
    np.savez(stage / "reference.npz", texts=np.array(REFERENCE_TEXTS), **ref)
    return {"max_abs_diff": max(diffs), "top1_agreement": float(np.mean(agree))}


def _perplexities(sess, vocab: Vocab, train_tokens: list[str], held_docs, s: Settings) -> dict:
    """Per-word perplexity on the held-out documents: the RNN (each document from a zero state)
    and a unigram model of the training counts (add-one), both over the same vocabulary. Every
    token's log-probability counts (punctuation included, <eos> excluded: a layout mark), divided by
    the number of words, so the figure compares with an open-vocabulary model scored the same way."""
    counts = np.bincount(vocab.ids(train_tokens), minlength=len(vocab)).astype(np.float64) + 1.0
    unigram = np.log(counts / counts.sum())
    rnn_lp = uni_lp = 0.0
    words = tokens = unknown = 0
    for _, paras in held_docs:
        toks = rnn_corpus.doc_tokens(paras)
        ids = [vocab.eos_id, *vocab.ids(toks)]
        h0 = np.zeros((1, 1, s.hidden), np.float32)
        for start in range(0, len(ids) - 1, 512):
            chunk = ids[start : start + 513]
            lp, _, h0 = _run(sess, chunk[:-1], s.hidden, h0)
            for j, nxt in enumerate(chunk[1:]):
                if nxt == vocab.eos_id:
                    continue
                rnn_lp += float(lp[0, j, nxt])
                uni_lp += float(unigram[nxt])
        words += sum(map(is_word, toks))
        tokens += sum(t != EOS for t in toks)
        unknown += sum(vocab.id(t) == vocab.unk_id for t in toks)
    return {
        "heldout_documents": len(held_docs), "heldout_words": words, "heldout_tokens": tokens,
        "heldout_unknown_rate": round(unknown / max(tokens, 1), 4),
        "rnn_ppl_word": round(math.exp(-rnn_lp / words), 1), "unigram_ppl_word": round(math.exp(-uni_lp / words), 1),
        "rnn_ppl_token": round(math.exp(-rnn_lp / tokens), 1),
        "unigram_ppl_token": round(math.exp(-uni_lp / tokens), 1),
    }


def _background(sess, vocab: Vocab, train_docs, s: Settings, stage: Path) -> None:
    """background.npz: the state after each of ``s.background`` training sentences (evenly spaced
    through the corpus), each read from a zero state, and the sentences themselves."""
    every = [sent for _, paras in train_docs for sent in rnn_corpus.sentences(paras)]
    pick = np.linspace(0, len(every) - 1, min(s.background, len(every))).astype(int)
    chosen = [every[i] for i in pick]
    states = np.zeros((len(chosen), s.hidden), np.float32)
    for i, sent in enumerate(chosen):
        ids = vocab.ids(tokenize(sent)) or [vocab.unk_id]
        states[i] = _run(sess, ids, s.hidden)[2][0, 0]
    np.savez_compressed(stage / "background.npz", states=states, sentences=np.array(chosen))


def _manifest(s: Settings, vocab: Vocab, training: dict, parity: dict, metrics: dict) -> dict:
    return {
        "name": NAME,
        "display_name": "GRU language model",
        "kind": "recurrent-lm",
        "description": f"word-level recurrent language model: embedding {s.embed}, one GRU layer of {s.hidden} "
                       f"units, adaptive softmax over {len(vocab)} words; trained here on news and Wikipedia text",
        "licence": LICENCE,
        "source": {"package": "gensim", "version": rnn_corpus.GENSIM[1], "paths": [rnn_corpus.LEE, rnn_corpus.WIKI],
                   "sha256": [sha256_file(p) for p in rnn_corpus.sources()]},
        "tokenizer": {"kind": "words", "file": "vocab.txt", "module": "core/inference/rnn_vocab.py", "unk": UNK,
                      "eos": EOS},
        "config": {"vocab_size": len(vocab), "embed": s.embed, "hidden_size": s.hidden, "cutoffs": list(s.cutoffs)},
        "layers": ["log_probs", "states", "h"],
        "files": {"model": "model.onnx", "vocab": "vocab.txt", "background": "background.npz",
                  "reference": "reference.npz"},
        "build": {
            "script": "models/build_rnn.py",
            "exporter": "torch.onnx.export(dynamo=False, opset 17): one ONNX GRU node",
            "opset": training["opset"],
            "seed": s.seed,
            "corpus": f"{training['documents'][0]} training documents ({training['tokens']} tokens), "
                      f"{training['documents'][1]} held out (every {rnn_corpus.HELDOUT_EVERY}th)",
            "optimiser": f"Adam lr {s.lr} decaying linearly, batch {s.batch} x {s.bptt} steps, clip {s.clip}, "
                         f"{s.epochs} epochs, one thread",
            "train_seconds": round(training["seconds"], 1),
            "history": training["history"],
            "tools": tool_versions("torch", "onnx", "onnxruntime", "gensim"),
        },
        "metrics": metrics,
        "parity": {"against": "torch eager, same weights, the reference texts", **parity},
        "reference": {"file": "reference.npz", "produced_by": "onnxruntime CPU at build time", "tolerance": 1e-4},
    }
