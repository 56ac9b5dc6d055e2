"""The recurrent language model (a GRU, built by models/build_rnn.py): its state h, word by word.

    rnn = registry.open(registry.RNN)               # a RecurrentLM
    r = rnn.read("let's eat, Charles")              # a Reading: tokens, states (n, 256), top guesses
    r.steps[1].token, r.steps[1].top[:3]            # "eat", [(",", 0.2), ("the", 0.1), ...]
    rnn.sentence_vector("the prime minister said")  # the final state (256,)
    lp, h = rnn.step(rnn.vocab.id("the"), h)        # one step: one onnxruntime call
    rnn.embedding_set()                             # the input embedding table as a word set

Everything the network knows about the text read so far is in h: the state after each token is
that text's embedding. A long text is read in chunks of CHUNK tokens as a job
(:meth:`read_job`), the state carried from chunk to chunk, so it can be stopped between chunks.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import InputError, ModelCorruptError
from ..progress import CancelToken, Job, Progress, run_sync
from .model import OnnxModel
from .rnn_vocab import UNK, Vocab, tokenize
from .runtime import repair_hint

CHUNK = 256  # tokens per onnxruntime call when reading a long text
TOP_K = 5


@dataclass(frozen=True)
class Step:
    """One token read: the token, its id (0: unknown), the state after it and the next-word guesses."""

    token: str
    id: int
    state: np.ndarray  # (hidden,)
    top: list[tuple[str, float]]  # the most likely next words and their probabilities

    @property
    def known(self) -> bool:
        return self.id != 0


@dataclass(frozen=True)
class Reading:
    """A text read by the network, one :class:`Step` per token."""

    text: str
    steps: list[Step]
    states: np.ndarray  # (n, hidden) float32, row i the state after token i

    @property
    def tokens(self) -> list[str]:
        return [s.token for s in self.steps]

    @property
    def final(self) -> np.ndarray:
        return self.states[-1]

    @property
    def unknown(self) -> list[str]:
        return [s.token for s in self.steps if not s.known]


def pool(states: np.ndarray, pooling: str) -> np.ndarray:
    """One vector for a text's states (n, hidden): the last ("final") or their mean ("mean")."""
    if pooling == "final":
        return states[-1]
    if pooling == "mean":
        return states.mean(axis=0)
    raise ValueError(f"pooling is 'final' or 'mean', not {pooling!r}")


class RecurrentLM(OnnxModel):
    """A GRU word-level language model through onnxruntime (one GRU node; tokens and h0 in,
    log-probabilities, every state and the last state out)."""

    kind = "recurrent-lm"

    def __init__(self, model_dir: str | Path, manifest: dict, **runtime) -> None:
        super().__init__(model_dir, manifest, **runtime)
        self.hidden_size = self.setting("config", "hidden_size")
        words = self.file("vocab").read_text(encoding="utf-8").splitlines()
        try:
            self.vocab = Vocab(words)
        except ValueError as exc:
            raise ModelCorruptError(f"{self.file('vocab')}: {exc}; {repair_hint(self.name)}") from None
        if len(self.vocab) != self.setting("config", "vocab_size"):
            raise ModelCorruptError(f"{self.file('vocab')} has {len(self.vocab)} words, the manifest says "
                                    f"{self.manifest['config']['vocab_size']}; {repair_hint(self.name)}")
        self._background: tuple[np.ndarray, list[str]] | None = None

    # -- words
    def tokenize(self, text: str) -> list[str]:
        return tokenize(text)

    def zero_state(self) -> np.ndarray:
        return np.zeros(self.hidden_size, np.float32)

    def top(self, log_probs: np.ndarray, k: int = TOP_K) -> list[tuple[str, float]]:
        """The k most likely next words of one log-probability row, as (word, probability)."""
        k = min(k, len(log_probs))
        idx = np.argpartition(-log_probs, k - 1)[:k]
        idx = idx[np.argsort(-log_probs[idx], kind="stable")]
        return [(self.vocab.words[i], float(np.exp(log_probs[i]))) for i in idx]

    # -- running
    def forward(self, ids: list[int] | np.ndarray, h: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Read ``ids`` after state ``h`` (None: the zero state) in one call: log-probabilities
        (n, vocab) of the word after each token, and the states (n, hidden) after each token."""
        h0 = (self.zero_state() if h is None else np.asarray(h, np.float32)).reshape(1, 1, -1)
        feeds = {"tokens": np.asarray(ids, np.int64).reshape(1, -1), "h0": h0}
        out = self.run(["log_probs", "states"], feeds)
        return out["log_probs"][0], out["states"][0]

    def step(self, token_id: int, h: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """One step: the log-probabilities of the next word (vocab,) and the new state (hidden,)."""
        lp, states = self.forward([token_id], h)
        return lp[0], states[0]

    def check_text(self, text: str) -> list[str]:
        """The text's tokens; InputError when there are none or none of them is known."""
        tokens = tokenize(text)
        if not tokens:
            raise InputError("the text is empty: type a few words for the recurrent network to read")
        if all(self.vocab.id(t) == self.vocab.unk_id for t in tokens):
            shown = ", ".join(repr(t) for t in tokens[:5]) + (", ..." if len(tokens) > 5 else "")
            raise InputError(f"none of the words ({shown}) is among the {len(self.vocab):,} words "
                             f"{self.display_name} knows: each would be read as the unknown token {UNK}")
        return tokens

    def read_job(self, text: str, *, k: int = TOP_K, cancel: CancelToken | None = None) -> Job[Reading]:
        """Read a text of any length, CHUNK tokens per call, yielding progress between chunks
        (and stopping there when ``cancel`` is set); returns the :class:`Reading`."""
        tokens = self.check_text(text)
        ids = self.vocab.ids(tokens)
        h, steps, states = None, [], []
        for start in range(0, len(ids), CHUNK):
            if cancel is not None:
                cancel.check()
            chunk = ids[start : start + CHUNK]
            lp, st = self.forward(chunk, h)
            h = st[-1]
            states.append(st)
            steps += [Step(tokens[start + j], chunk[j], st[j], self.top(lp[j], k)) for j in range(len(chunk))]
            done = start + len(chunk)
            yield Progress(done / len(ids), f"read {done:,} of {len(ids):,} tokens")
        return Reading(text, steps, np.concatenate(states))

    def read(self, text: str, *, k: int = TOP_K) -> Reading:
        return run_sync(self.read_job(text, k=k))

    def sentence_vector(self, text: str, pooling: str = "final") -> np.ndarray:
        """The state after the last token (``pooling`` "final": the text's embedding), or the mean
        of the states after every token ("mean")."""
        tokens = self.check_text(text)
        return pool(self.forward(self.vocab.ids(tokens))[1], pooling)

    @property
    def width(self) -> int:
        return self.hidden_size

    def embed(self, texts: list[str]) -> np.ndarray:
        """Unit final states (n, hidden), the sentence encoders' interface (a text with no words: zeros)."""
        v = run_sync(self.sentence_vectors(list(texts)))
        norms = np.linalg.norm(v, axis=1, keepdims=True)
        return (v / np.where(norms == 0, 1.0, norms)).astype(np.float32)

    def sentence_vectors(self, texts: list[str], pooling: str = "final") -> Job[np.ndarray]:
        """The final (or mean, see :meth:`sentence_vector`) state of each text (n, hidden), each read
        from the zero state; a job. A text with no words gets the zero state."""
        out = np.zeros((len(texts), self.hidden_size), np.float32)
        for i, text in enumerate(texts):
            ids = self.vocab.ids(tokenize(text))
            if ids:
                out[i] = pool(self.forward(ids)[1], pooling)
            if i % 20 == 19 or i == len(texts) - 1:
                yield Progress((i + 1) / len(texts), f"encoded {i + 1:,} of {len(texts):,} passages")
        return out

    # -- what the model ships besides the network
    def background(self) -> tuple[np.ndarray, list[str]]:
        """The states at the ends of the corpus's sentences (n, hidden) and the sentences."""
        if self._background is None:
            path = self.file("background")
            try:
                with np.load(path, allow_pickle=False) as z:
                    self._background = (z["states"].astype(np.float32), [str(s) for s in z["sentences"]])
            except (OSError, KeyError, ValueError) as exc:
                raise ModelCorruptError(f"{path}: {exc}; {repair_hint(self.name)}") from None
        return self._background

    def embedding_table(self) -> np.ndarray:
        """The input embedding table (vocab, embed): row i is word i's vector."""
        import onnx.numpy_helper

        from .graph import load_graph

        for init in load_graph(self.session.path).graph.initializer:
            if init.name == "embedding.weight":
                return onnx.numpy_helper.to_array(init).astype(np.float32)
        raise ModelCorruptError(f"{self.session.path}: no embedding.weight; {repair_hint(self.name)}")

    def embedding_set(self):
        """The input embedding table as a word set (neighbours, arithmetic, the 3D cloud)."""
        from ..embeddings.embedding_set import EmbeddingSet

        table = self.embedding_table()
        return EmbeddingSet(self.vocab.words[2:], table[2:], name=f"{self.display_name} input embeddings",
                            source=f"{self.name} embedding.weight ({self.session.path})")
