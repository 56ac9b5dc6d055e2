"""Any GPT-style decoder exported to ONNX in the layout of Hugging Face Optimum, from a folder.

The folder holds ``tokenizer.json`` (Hugging Face tokenizers), an optional ``config.json`` (start
and end tokens, context length, head sizes) and the decoder graph, looked for as

* ``model.onnx`` (Optimum's current export: past key/values in, present out; the first pass
  gets an empty past), also under ``onnx/``;
* ``decoder_model.onnx`` + ``decoder_with_past_model.onnx`` (the older two-file export);
* any single other ``.onnx`` file.

The layout is read from the graph's inputs and outputs, never assumed:
``input_ids`` (batch, seq) in and ``logits`` (batch, seq, vocab) out are required;
``attention_mask`` and ``position_ids`` are fed when asked for; ``past_key_values.N.key/value``
(batch, kv_heads, past, head_dim) in must come with ``present.N.key/value`` out. A graph without
them still works, re-reading the whole text at every step. Anything else is a FileFormatError
that names what was expected and what was found.

    dec = OptimumDecoder("~/models/tiny-gpt2")      # the same step interface as LanguageModel
    trace = run_sync(read_prompt(dec, "Once upon a"))
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import FileFormatError, ModelError
from .model import OnnxModel
from .runtime import OnnxSession
from .tokenizer import Tokenizer

PAST = re.compile(r"^past_key_values\.(\d+)\.(key|value)$")
PRESENT = re.compile(r"^present\.(\d+)\.(key|value)$")
PLAIN_INPUTS = ("input_ids", "attention_mask", "position_ids")
_EXPECTED_IN = "input_ids, attention_mask, position_ids, past_key_values.N.key/value"
SPLIT = ("decoder_model.onnx", "decoder_with_past_model.onnx")
EXPECTED_FILES = "model.onnx (or decoder_model.onnx with decoder_with_past_model.onnx) and tokenizer.json"
_DTYPES = {"tensor(float)": np.float32, "tensor(float16)": np.float16, "tensor(double)": np.float64,
           "tensor(int64)": np.int64, "tensor(int32)": np.int32}


def _listing(folder: Path) -> str:
    names = sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []
    return ", ".join(names[:12]) + (f" and {len(names) - 12} more" if len(names) > 12 else "") if names else "nothing"


def find_files(folder: str | Path) -> tuple[Path, Path | None, Path]:
    """(the decoder graph, a separate with-past graph or None, tokenizer.json) in ``folder``."""
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise FileFormatError(folder, "not a folder", expected=f"a folder holding {EXPECTED_FILES}")
    tokenizer = folder / "tokenizer.json"
    if not tokenizer.is_file():
        raise FileFormatError(folder, "no tokenizer.json in the folder", expected=EXPECTED_FILES,
                              found=_listing(folder))
    for base in (folder, folder / "onnx"):
        if (base / "model.onnx").is_file():
            return base / "model.onnx", None, tokenizer
        if all((base / n).is_file() for n in SPLIT):
            return base / SPLIT[0], base / SPLIT[1], tokenizer
    graphs = sorted(p for base in (folder, folder / "onnx") if base.is_dir() for p in base.glob("*.onnx"))
    if len(graphs) == 1 and "merged" not in graphs[0].name:
        return graphs[0], None, tokenizer
    why = "merged decoders (use_cache_branch) are not read" if any("merged" in g.name for g in graphs) else \
        "no decoder graph" if not graphs else "more than one .onnx file and none of the known names"
    raise FileFormatError(folder, why, expected=EXPECTED_FILES, found=_listing(folder))


@dataclass(frozen=True)
class Layout:
    """What a decoder graph takes and gives, as read from its inputs and outputs."""

    layers: int  # 0: no key/value cache (every step re-reads the text)
    kv_heads: int
    head_dim: int
    kv_dtype: type
    ids_dtype: type
    attention_mask: bool
    position_ids: bool

    def describe(self) -> str:
        extra = [n for n, on in (("attention_mask", self.attention_mask), ("position_ids", self.position_ids)) if on]
        cache = (f"key/value cache of {self.layers} layers x {self.kv_heads} heads x {self.head_dim}"
                 if self.layers else "no key/value cache (each step re-reads the text)")
        return f"input_ids{''.join(', ' + n for n in extra)}; {cache}"


def _read_config(folder: Path) -> dict:
    path = folder / "config.json"
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise FileFormatError(path, f"unreadable JSON ({exc})", expected="a Hugging Face config.json") from None
    return data if isinstance(data, dict) else {}


def _first_int(config: dict, *keys: str) -> int | None:
    for k in keys:
        v = config.get(k)
        if isinstance(v, list) and v:
            v = v[0]
        if isinstance(v, int) and not isinstance(v, bool):
            return v
    return None


def detect_layout(sess: OnnxSession, config: dict, *, needs_past: bool = False) -> Layout:
    """The layout of one graph; FileFormatError naming what is missing or unexpected."""
    inputs = {i.name: i for i in sess.session.get_inputs()}
    outputs = [o.name for o in sess.session.get_outputs()]
    _check_names(sess.path, inputs, outputs)
    layers = _past_layers(sess.path, inputs, outputs, needs_past)
    kv_heads = head_dim = 0
    kv_dtype = np.float32
    if layers:
        first = inputs["past_key_values.0.key"]
        kv_heads, head_dim = _kv_shape(sess.path, list(first.shape), config)
        kv_dtype = _DTYPES.get(first.type, np.float32)
    return Layout(
        layers,
        int(kv_heads),
        int(head_dim),
        kv_dtype,
        _DTYPES.get(inputs["input_ids"].type, np.int64),
        "attention_mask" in inputs,
        "position_ids" in inputs,
    )


def _check_names(path, inputs: dict, outputs: list[str]) -> None:
    """input_ids in, logits out, and no input this reader does not feed."""
    if "input_ids" not in inputs:
        raise FileFormatError(path, "the graph has no input_ids input", expected=_EXPECTED_IN,
                              found="inputs " + ", ".join(inputs))
    if "logits" not in outputs:
        raise FileFormatError(path, "the graph has no logits output", expected="outputs logits, present.N.key/value",
                              found="outputs " + ", ".join(outputs))
    odd = [n for n in inputs if n not in PLAIN_INPUTS and not PAST.match(n)]
    if odd:
        raise FileFormatError(path, f"the graph asks for inputs this reader does not feed ({', '.join(odd)})",
                              expected=_EXPECTED_IN, found="inputs " + ", ".join(inputs))


def _past_layers(path, inputs: dict, outputs: list[str], needs_past: bool) -> int:
    """How many layers take past_key_values, each with its present outputs (0 for a graph without past)."""
    past = sorted({int(m.group(1)) for n in inputs if (m := PAST.match(n))})
    layers = len(past)
    if needs_past and not layers:
        raise FileFormatError(path, "the with-past graph takes no past_key_values", expected=_EXPECTED_IN,
                              found="inputs " + ", ".join(inputs))
    if layers:
        want = {f"{d}.{i}.{kv}" for i in range(layers) for d in ("past_key_values", "present")
                for kv in ("key", "value")}
        missing = sorted(want - (set(inputs) | set(outputs)))
        if past != list(range(layers)) or missing:
            raise FileFormatError(
                path,
                "past_key_values inputs without matching present outputs",
                expected=", ".join(missing[:4]) or f"layers 0..{layers - 1}",
                found="outputs " + ", ".join(outputs),
            )
    return layers


def _kv_shape(path, shape: list, config: dict) -> tuple[int, int]:
    """(kv heads, head size) of past_key_values.0.key: fixed in the graph, else from config.json."""
    if len(shape) != 4:
        raise FileFormatError(
            path, "past_key_values.0.key is not 4-D", expected="(batch, kv_heads, past, head_dim)", found=str(shape)
        )
    heads_cfg = _first_int(config, "num_key_value_heads", "num_attention_heads", "n_head")
    width = _first_int(config, "hidden_size", "n_embd")
    dim_cfg = _first_int(config, "head_dim") or (
        width // _first_int(config, "num_attention_heads", "n_head")
        if width and _first_int(config, "num_attention_heads", "n_head")
        else None
    )
    kv_heads = shape[1] if isinstance(shape[1], int) else heads_cfg
    head_dim = shape[3] if isinstance(shape[3], int) else dim_cfg
    if not kv_heads or not head_dim:
        raise FileFormatError(
            path,
            "the key/value head count and size are neither fixed in the graph nor in config.json",
            expected="num_key_value_heads and head_dim",
            found=str(shape),
        )
    return kv_heads, head_dim


class OptimumDecoder(OnnxModel):
    """A decoder folder in Optimum's layout, with the step interface of core.inference.trace."""

    kind = "causal-lm"
    precisions = ("fp32",)
    precision = "fp32"

    def __init__(
        self, folder: str | Path, *, preferred_provider: str | None = None, intra_op_threads: int | None = None
    ) -> None:
        folder = Path(folder).expanduser()
        graph, with_past, tokenizer = find_files(folder)
        config = _read_config(folder)
        name = str(config.get("_name_or_path") or folder.name).rstrip("/").split("/")[-1] or folder.name
        kind = config.get("model_type")
        files = {"model": {"file": str(graph.relative_to(folder))}, "tokenizer": {"file": "tokenizer.json"}}
        if with_past is not None:
            files["with_past"] = {"file": str(with_past.relative_to(folder))}
        manifest = {"name": name, "display_name": f"{name} ({kind})" if kind else name, "files": files}
        try:
            super().__init__(folder, manifest, preferred_provider=preferred_provider, intra_op_threads=intra_op_threads)
            self._with_past = self.open_role("with_past") if with_past is not None else None
        except ModelError as exc:  # onnxruntime could not load a graph: say so without a rebuild hint
            raise FileFormatError(
                graph, str(exc).split("; ")[0].split(": ", 1)[-1], expected="an ONNX decoder graph"
            ) from None
        self.layout = detect_layout(self.session, config)
        self.step_layout = detect_layout(self._with_past, config, needs_past=True) if self._with_past else self.layout
        if self._with_past is not None and "present.0.key" not in self.session.output_names:
            raise FileFormatError(
                graph,
                "the first-pass graph returns no present key/values for the with-past graph",
                expected="outputs logits, present.N.key/value",
                found="outputs " + ", ".join(self.session.output_names),
            )
        self.config = config
        bos = _first_int(config, "bos_token_id")
        probe = Tokenizer(tokenizer)
        adds_own = bool(probe.encode(""))  # its post-processor already puts a start token first
        self.tokenizer = probe if adds_own or bos is None else Tokenizer(tokenizer, bos_id=bos)
        self.bos_id = probe.encode("")[0].id if adds_own else bos
        eos = _first_int(config, "eos_token_id")
        self.eos_id = eos if eos is not None else -1
        self.max_positions = _first_int(config, "max_position_embeddings", "n_positions", "n_ctx")
        last = self.session.session.get_outputs()[self.session.output_names.index("logits")].shape[-1]
        self.vocab_size = (
            int(last) if isinstance(last, int) else (_first_int(config, "vocab_size") or self.tokenizer.vocab_size)
        )
        self.graph_path = graph

    def tokenize(self, text: str):
        return self.tokenizer.encode(text)

    @property
    def description(self) -> str:
        two = f"; steps: {self._with_past.path.name}" if self._with_past is not None else ""
        return f"{self.session.path.name}{two}: {self.step_layout.describe()}"

    # -- the step interface ------------------------------------------------------------------
    def cache_length(self, cache) -> int:
        if cache is None:
            return 0
        return len(cache) if self.step_layout.layers == 0 else int(cache[0][0].shape[2])

    def truncate(self, cache, length: int):
        if cache is None or length <= 0:
            return None
        if self.step_layout.layers == 0:
            return tuple(cache[:length])
        return tuple((k[:, :, :length], v[:, :, :length]) for k, v in cache)

    def extend(self, ids, cache, precision: str = "fp32", *, last_only: bool = False) -> tuple[np.ndarray, object, str]:
        new = [int(i) for i in ids]
        if self.step_layout.layers == 0:  # no cache: the "cache" is the text so far
            seq = [*(cache or ()), *new]
            logits = self._run(self.session, self.layout, seq, 0, None)[0]
            return logits[-len(new) :], tuple(seq), "fp32"
        past = self.cache_length(cache)
        sess, layout = (
            (self.session, self.layout)
            if cache is None or self._with_past is None
            else (self._with_past, self.step_layout)
        )
        logits, present = self._run(sess, layout, new, past, cache)
        return logits, present, "fp32"

    def _run(self, sess: OnnxSession, layout: Layout, ids: list[int], past: int, cache):
        n = len(ids)
        feeds = {"input_ids": np.array([ids], dtype=layout.ids_dtype)}
        if layout.attention_mask:
            feeds["attention_mask"] = np.ones((1, past + n), dtype=np.int64)
        if layout.position_ids:
            feeds["position_ids"] = np.arange(past, past + n, dtype=np.int64)[None]
        for i in range(layout.layers):
            if cache is None:
                empty = np.zeros((1, layout.kv_heads, 0, layout.head_dim), dtype=layout.kv_dtype)
                k = v = empty
            else:
                k, v = cache[i]
            feeds[f"past_key_values.{i}.key"] = np.ascontiguousarray(k, dtype=layout.kv_dtype)
            feeds[f"past_key_values.{i}.value"] = np.ascontiguousarray(v, dtype=layout.kv_dtype)
        layers = self.step_layout.layers
        present = [f"present.{i}.{kv}" for i in range(layers) for kv in ("key", "value")]
        if any(p not in sess.output_names for p in present):
            present = []
        out = sess.run(["logits", *present], {k: v for k, v in feeds.items() if k in sess.input_names})
        logits = np.asarray(out[0][0], dtype=np.float32)
        cache_out = tuple((out[1 + 2 * i], out[2 + 2 * i]) for i in range(layers)) if present else None
        return logits, cache_out
