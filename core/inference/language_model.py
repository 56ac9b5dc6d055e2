"""Next-token probabilities with SmolLM2-135M (ONNX); step-by-step decoding is in generation.py.

One ONNX graph (see models/build_lm.py): new tokens and the key/value cache of what
came before in; logits at every new position, every layer's hidden state and the
grown cache out. A whole prompt is read with an empty cache; each generation step
then costs one position rather than the whole text.

Precision (``precision=``):

* ``"fast"``: SmolLM2's fused graph (models/build_fast_lm.py, registry ``smollm2-135m-fast``; see
  core.inference.fast_graph): onnxruntime's GroupQueryAttention and fused norms on the GGUF's own 4-bit /
  8-bit weights, fp32's answers up to float rounding on every CPU (its manifest records the parity).
  The installed app ships only that file, as its model (manifest ``"precision": "fast"``); it answers every
  pass there, hidden states included (optional outputs).
* ``"q4"``: the 4-bit copy models/quantize_lm.py may have written (``model_q4.onnx``, listed with its
  sha256 in ``quantized.json``); an older installed app shipped it alone (manifest ``"precision": "q4"``).
* ``"fp32"``: the exact file, never anything else.
* ``"auto"`` (default): passes of one token (a step of the trace loop) with the fast graph when it is
  built and its parity holds, else with the 4-bit file when its checksums match and quantized.json calls
  it faithful; passes of :data:`Q4_MAX_PROMPT` tokens or more (a prompt) with fp32, which reads them faster
  (onnxruntime's 4-bit kernels in fp32 arithmetic unpack every weight for more than one row).

Hidden states (``hidden_states()``, ``score_continuations``, the raw ``forward`` / ``forward_cached``
unless asked) stay fp32 where fp32 is built: the inspectors show exact numbers. A missing or corrupt
variant means fp32 where it would have answered, and a line in :attr:`notice`.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import ExplorerError, InputError
from ..progress import Job, Progress
from . import fast_graph
from .distribution import Distribution, render
from .fast_graph import FastGraph
from .model import OnnxModel
from .precision import PRECISIONS, Q4_ROLES, QUANTIZED_RECORD  # noqa: F401 (read here by tests)
from .q4_files import q4_manifest, unfaithful_reason
from .runtime import OnnxSession, build_command, open_session
from .sampling import PLAIN, Sampling, log_softmax
from .tokenizer import Token, Tokenizer

# "auto": passes over fewer tokens than this use the fast graph (else the 4-bit file). In fp32 arithmetic (the
# same answers on every CPU) onnxruntime's 4-bit kernels win only on one-token passes: 4-bit file, a cached step
# 14.7 ms vs fp32 22.0, a 2-token prompt 35 vs 26 ms, a 20-token prompt 62 vs 40 ms (2 threads, AVX-512 kernels;
# AVX2: 19.8 vs 22.5 a step); the fast graph, a 20-token prompt 97 vs 71 ms (1 thread, busy machine)
Q4_MAX_PROMPT = 2
def read_decoder_config(model: OnnxModel) -> None:
    """A SmolLM2 graph's shape and tokenizer from its manifest (the language model's and the attention
    graphs' manifests share these entries)."""
    model.n_layers = model.setting("config", "n_layers")
    model.hidden_size = model.setting("config", "hidden_size")
    model.vocab_size = model.setting("config", "vocab_size")
    model.max_positions = model.setting("config", "max_positions", default=8192)
    model.bos_id = model.setting("tokenizer", "bos_id")
    model.eos_id = model.setting("tokenizer", "eos_id", default=-1)
    model.n_kv_heads = model.setting("config", "n_kv_heads")
    model.head_dim = model.setting("config", "head_dim")
    model.tokenizer = Tokenizer(model.file("tokenizer"), bos_id=model.bos_id)


class LanguageModel(OnnxModel):
    """SmolLM2-135M through onnxruntime. Thread-safe for concurrent calls (sessions are)."""

    kind = "causal-lm"

    def __init__(self, model_dir: str | Path, manifest: dict, *, precision: str = "auto",
                 fast: tuple[Path, dict] | bool | None = None, **runtime) -> None:
        if precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, got {precision!r}")
        super().__init__(model_dir, manifest, **runtime)
        read_decoder_config(self)
        # of the model's own file: "fp32" built here; "fast" (or "q4") when it is the only file (the installed app)
        self.base_precision: str = manifest.get("precision", "fp32")
        self.precision = precision
        self.last_precision: str | None = None  # "fp32" / "q4" / "fast": the latest pass (Distribution.precision)
        self._q4: dict | None = None  # the 4-bit files' manifest once they opened and checked
        self._q4_faithful = False
        self._files_notice: str | None = None
        self._fast: tuple[Path, dict] | None = None  # the fast graph's folder and manifest, opened and checked
        self._fast_graph: FastGraph | None = None
        self._fast_faithful = False
        if self.base_precision == fast_graph.PRECISION:
            self._fast, self._fast_faithful = (self.model_dir, manifest), True
            self._fast_graph = FastGraph(self.session, self.n_layers, self.n_kv_heads, self.head_dim)
        elif precision != "fp32" and self.base_precision == "fp32":
            self._open_fast(fast)  # the registry passes the built fast graph's folder and manifest
            self._open_q4(self.runtime)

    def _open_fast(self, found: tuple[Path, dict] | None) -> None:
        """The fast graph (models/build_fast_lm.py), when it is built: "auto" reads and steps with it."""
        try:
            if not found:
                if self.precision == "fast":
                    hint = build_command("smollm2-135m-fast")
                    self._files_notice = f"no fast graph built{f' ({hint})' if hint else ''}; using fp32"
                return
            sess = self.open_role("model", found[1], model_dir=found[0])
        except ExplorerError as exc:  # missing / corrupt (sha256, unloadable, wrong signature)
            self._files_notice = f"fast graph unusable, using fp32: {exc}"
            return
        self._fast = found
        self._fast_graph = FastGraph(sess, self.n_layers, self.n_kv_heads, self.head_dim)
        self._fast_faithful, why = fast_graph.faithful(found[1])
        if why and self.precision == "auto":
            self._files_notice = why

    def _open_q4(self, kw: dict) -> None:
        qm, faithful, why = q4_manifest(self.model_dir, self.manifest)
        if qm is None:
            if why or self.precision == "q4":
                hint = build_command(self.name)
                self._files_notice = f"{why or 'no 4-bit files built' + (f' ({hint})' if hint else '')}; using fp32"
            return
        try:
            for role in Q4_ROLES:  # opened and checked now; used through the runtime's cache
                open_session(self.model_dir, qm, role, **kw)
            self._q4 = qm
        except ExplorerError as exc:  # missing / corrupt (sha256, unloadable, wrong signature)
            self._files_notice = f"4-bit files unusable, using fp32: {exc}"
            return
        self._q4_faithful = faithful
        if not faithful and self.precision == "auto":
            self._files_notice = unfaithful_reason(self.model_dir)

    @property
    def fast_available(self) -> bool:
        """Whether "auto" reads prompts and steps with the fast graph."""
        return self._fast is not None and self._fast_faithful

    @property
    def q4_available(self) -> bool:
        """Whether "auto" answers cached steps (and one-token passes) with the 4-bit files."""
        return self.base_precision == "q4" or (self._q4 is not None and self._q4_faithful)

    def _pick(self, cached: bool, n_tokens: int, precision: str | None, *, exact: bool = False) -> str:
        """"fp32", "fast" or "q4" for a pass of ``n_tokens`` new tokens (after a cache when ``cached``);
        ``exact``: fp32 whenever it is built (hidden states for the inspectors)."""
        mode = precision or self.precision
        if mode not in PRECISIONS:
            raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, got {mode!r}")
        if self.base_precision != "fp32":
            return self.base_precision  # the only file there is (the installed app)
        if mode == "fast":
            return "fast" if self._fast is not None else "fp32"
        if mode == "auto" and not exact and self.fast_available:
            # onnxruntime's 4-bit kernels in fp32 arithmetic are fast on one row (a step) only: with more
            # rows they unpack every weight first, and the fp32 file reads a prompt faster
            return "fast" if n_tokens < Q4_MAX_PROMPT else "fp32"
        if exact or mode == "fp32" or self._q4 is None:
            return "fp32"
        if mode == "q4":
            return "q4"
        if not self._q4_faithful:
            return "fp32"
        return "q4" if cached or n_tokens < Q4_MAX_PROMPT else "fp32"

    def _session(self, label: str) -> OnnxSession:
        if label == self.base_precision:
            return self.session
        if label == "q4":
            return self.open_role("model", self._q4)
        if label == "fast":
            return self.open_role("model", self._fast[1], model_dir=self._fast[0])
        return self.session

    def _fast_pass(self, ids: np.ndarray, past_kv: np.ndarray | None, outputs) -> dict[str, np.ndarray]:
        """A pass over the fast graph with the fp32 file's inputs and outputs (stacked cache and hidden states)."""
        cache = None if past_kv is None or past_kv.shape[4] == 0 else fast_graph.unstacked(past_kv)
        sess, hidden = self._session("fast"), "hidden_states" in outputs
        if cache is not None and ids.shape[0] > 1 and ids.shape[1] > 1:
            # GroupQueryAttention reads several new tokens after a cache for one sequence at a time
            rows = [self._fast_graph.run(sess, ids[b : b + 1], tuple(a[b : b + 1] for a in cache), hidden=hidden)
                    for b in range(ids.shape[0])]
            logits = np.concatenate([r[0] for r in rows])
            present = tuple(np.concatenate(parts) for parts in zip(*(r[1] for r in rows)))
            hidden = np.concatenate([r[2] for r in rows], axis=1) if hidden else None
        else:
            logits, present, hidden = self._fast_graph.run(sess, ids, cache, hidden=hidden)
        got = {"logits": logits, "hidden_states": hidden}
        res = {}
        for name in outputs:
            if name == "present_kv":
                res[name] = fast_graph.stacked(present)
            elif name in got:
                res[name] = got[name]
            else:
                raise KeyError(f"{name!r} is not an output of the fast graph")
        return res

    def empty_cache(self, batch: int = 1) -> np.ndarray:
        """The cache a prompt is read with: no past positions."""
        return np.zeros((self.n_layers, 2, batch, self.n_kv_heads, 0, self.head_dim), np.float32)

    @property
    def notice(self) -> str | None:
        parts = [n for n in (self._notice, self._files_notice) if n]
        return "; ".join(parts) or None

    # -- raw passes
    def tokenize(self, text: str) -> list[Token]:
        return self.tokenizer.encode(text)

    def forward(
        self, input_ids: np.ndarray, outputs: tuple[str, ...] = ("logits",), *, precision: str = "fp32"
    ) -> dict[str, np.ndarray]:
        """Run the full model on ``input_ids`` (batch, seq) int64; returns the named outputs.

        fp32 unless ``precision`` says otherwise; hidden states are always fp32."""
        return self.full_pass(input_ids, outputs, precision)[0]

    def forward_cached(
        self,
        input_ids: np.ndarray,
        past_kv: np.ndarray,
        outputs: tuple[str, ...] = ("logits", "present_kv"),
        *,
        precision: str = "fp32",
    ) -> dict[str, np.ndarray]:
        """Run new tokens (batch, seq) after a cache (layers, 2, batch, kv_heads, past, head_dim)."""
        return self.cached_pass(input_ids, past_kv, outputs, precision)[0]

    def full_pass(self, input_ids, outputs, precision) -> tuple[dict[str, np.ndarray], str]:
        """A pass over whole sequences; also returns which files answered ("fp32" / "q4")."""
        ids = np.ascontiguousarray(np.atleast_2d(input_ids), dtype=np.int64)
        self._check_length(ids.shape[1])
        label = self._pick(False, ids.shape[1], precision, exact="hidden_states" in outputs)
        if label == "fast":
            res = self._fast_pass(ids, None, outputs)
        else:
            res = self.run(outputs, {"input_ids": ids, "past_kv": self.empty_cache(ids.shape[0])},
                           self._session(label))
        self.last_precision = label
        return res, label

    def cached_pass(self, input_ids, past_kv, outputs, precision) -> tuple[dict[str, np.ndarray], str]:
        """A pass over new tokens after a key/value cache; also returns which files answered."""
        ids = np.ascontiguousarray(np.atleast_2d(input_ids), dtype=np.int64)
        self._check_length(ids.shape[1] + past_kv.shape[4])
        feeds = {"input_ids": ids, "past_kv": np.ascontiguousarray(past_kv, dtype=np.float32)}
        label = self._pick(True, ids.shape[1], precision, exact="hidden_states" in outputs)
        res = self._fast_pass(ids, feeds["past_kv"], outputs) if label == "fast" else \
            self.run(outputs, feeds, self._session(label))
        self.last_precision = label
        return res, label

    def _check_length(self, n: int) -> None:
        if n > self.max_positions:
            raise InputError(f"the text is {n} tokens long; {self.display_name} reads at most {self.max_positions}")

    # -- the step interface of core.inference.trace (shared with OptimumDecoder)
    @property
    def precisions(self) -> tuple[str, ...]:
        if self.base_precision != "fp32":
            return (self.base_precision,)
        if self._q4 is None and self._fast is None:
            return ("fp32",)
        return tuple(p for p in PRECISIONS if (p != "q4" or self._q4 is not None) and (p != "fast" or self._fast))

    def extend(self, ids, cache, precision: str = "auto", *, last_only: bool = False) -> tuple[np.ndarray, object, str]:
        """Run ``ids`` after the cache (None: from the start): logits for each new position (``last_only``:
        the last one's), the new cache and which files answered. "auto" reads passes of many tokens with
        fp32 and steps with the fast graph when it is built (else the faithful 4-bit file). The cache is
        either file's own layout: the fp32 file's stacked array goes to the fast graph as views (no copy),
        and a step's cache stays the graph's tuple."""
        ids = np.array([list(ids)], dtype=np.int64)
        mode = precision or self.precision
        if self._pick(cache is not None, ids.shape[1], mode) == "fast":
            self._check_length(ids.shape[1] + self.cache_length(cache))
            if cache is not None and not isinstance(cache, tuple):
                cache = fast_graph.unstacked(cache)
            logits, present, _ = self._fast_graph.run(self._session("fast"), ids, cache, last_only=last_only)
            self.last_precision = "fast"
            return logits[0], present, "fast"
        if isinstance(cache, tuple):
            cache = fast_graph.stacked(cache)
        if mode == "auto" and ids.shape[1] >= Q4_MAX_PROMPT:
            mode = "fp32"
        if cache is None:
            res, label = self.full_pass(ids, ("logits", "present_kv"), mode)
        else:
            res, label = self.cached_pass(ids, cache, ("logits", "present_kv"), mode)
        return res["logits"][0], res["present_kv"], label

    @staticmethod
    def cache_length(cache) -> int:
        """Positions in a cache: the fp32 file's stacked array, or the fast graph's tuple."""
        if cache is None:
            return 0
        return fast_graph.cache_length(cache) if isinstance(cache, tuple) else int(cache.shape[4])

    @staticmethod
    def truncate(cache, length: int):
        if cache is None or length <= 0:
            return None
        return fast_graph.truncate(cache, length) if isinstance(cache, tuple) else cache[:, :, :, :, :length]

    # -- next-token distribution
    def next_token(self, text: str, *, sampling: Sampling = PLAIN, n_top: int = 10, hidden_states: bool = False,
                   precision: str | None = None) -> Distribution:
        """Distribution of the token following ``text`` (start token put first); its bars' texts are
        the tokens' own (" time"), drawn with ``sampling``.

        ``precision`` overrides the model's choice for this call; hidden states are always fp32."""
        tokens = self.tokenize(text)
        outs = ("logits", "hidden_states") if hidden_states else ("logits",)
        res, label = self.full_pass(np.array([[t.id for t in tokens]]), outs, precision or self.precision)
        hidden = res["hidden_states"][:, 0] if hidden_states else None
        return render(res["logits"][0, -1], self.tokenizer.text, sampling, n=n_top, tokens=tuple(tokens),
                      precision=label, hidden_states=hidden)

    def hidden_states(self, text: str) -> tuple[list[Token], np.ndarray]:
        """Every layer's hidden state for every token: (layers + 1, seq, width)."""
        tokens = self.tokenize(text)
        res = self.forward(np.array([[t.id for t in tokens]]), ("hidden_states",))
        return tokens, res["hidden_states"][:, 0]

    # -- scoring many sequences (masked fill)
    def score_continuations(
        self, prefix_ids: list[int], suffixes: list[list[int]], *, batch_size: int = 64
    ) -> Job[np.ndarray]:
        """Sum of log-probabilities of each suffix after ``prefix_ids`` (which starts with the start token).

        The prefix is run once; its key/value cache is shared by every batch of suffixes,
        which are right-padded (padding cannot reach real tokens in a causal model).
        """
        if not prefix_ids:
            raise ValueError("prefix_ids must hold at least the start token")
        pre = self.forward(np.array([prefix_ids]), ("logits", "present_kv"), precision="fp32")
        first_lp = log_softmax(pre["logits"][0, -1])
        kv = pre["present_kv"]
        scores = np.zeros(len(suffixes))
        n_batches = max(1, -(-len(suffixes) // batch_size))
        for b in range(n_batches):
            chunk = suffixes[b * batch_size : (b + 1) * batch_size]
            if not chunk:
                break
            width = max(len(s) for s in chunk)
            ids = np.zeros((len(chunk), width), np.int64)
            for i, s in enumerate(chunk):
                ids[i, : len(s)] = s
            past = np.repeat(kv, len(chunk), axis=2)
            logits = self.forward_cached(ids, past, ("logits",), precision="fp32")["logits"]
            lp = log_softmax(logits[:, :-1]) if width > 1 else None
            for i, s in enumerate(chunk):
                total = first_lp[s[0]] if s else 0.0
                for j in range(1, len(s)):
                    total += lp[i, j - 1, s[j]]
                scores[b * batch_size + i] = total
            yield Progress((b + 1) / n_batches, f"scored {min((b + 1) * batch_size, len(suffixes))}/{len(suffixes)}")
        return scores
