"""A language model's own token embeddings (its input embedding matrix, W_E) as an embedding set,
so that neighbours, arithmetic, directions and the point cloud work on tokens.

The matrix is the initializer the graph's first Gather reads with ``input_ids``; it is read with
the onnx package (no torch) from the fp32 graph, once, and converted into the app's memory-mapped
store in the cache folder; later opens map that copy. Tokens are named by their visible form
(``"␣time"``, ``"↵"``, ``"<0xF0><0x9F>"``; see Tokenizer.readable), one distinct name per row.

    es = run_sync(token_embeddings())                 # SmolLM2-135M: 49,152 tokens x 576
    es = run_sync(token_embeddings(precision="q4"))   # the same rows as its 4-bit copy reads them
    es = run_sync(token_embeddings("~/tiny-gpt2"))    # an Optimum-layout folder

The 4-bit copy (``model_q4.onnx``, listed in quantized.json) keeps its table as GatherBlockQuantized rows;
they are dequantised exactly as the graph does and cached like the fp32 set, so the two can be compared
(``main.py compare tokens tokens-q4``). :func:`q4_unavailable` says why there is no such copy.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from ..embeddings import store
from ..embeddings.embedding_set import EmbeddingSet
from ..errors import FileFormatError, ModelMissingError
from ..io import file_key
from ..paths import cache_dir
from ..progress import Job, Progress
from . import registry
from .decoder import find_files
from .graph import load_graph
from .runtime import load_manifest, model_file
from .tokenizer import Tokenizer

_PASS_THROUGH = ("Cast", "Reshape", "Unsqueeze", "Squeeze", "Flatten", "Identity")


def embedding_matrix(graph_path: str | Path) -> np.ndarray:
    """The (vocab, width) table that the graph's Gather reads with ``input_ids``: an fp32
    initializer, or 4- or 8-bit rows read by ``GatherBlockQuantized`` (the installed app's 4-bit graph
    adds two 4-bit halves), dequantised here exactly as the graph does."""
    from onnx import numpy_helper

    model = load_graph(graph_path)
    tables = {i.name: i for i in model.graph.initializer}
    producers = {o: n for n in model.graph.node for o in n.output}

    def constant(name: str) -> np.ndarray | None:
        if name in tables:
            return numpy_helper.to_array(tables[name])
        node = producers.get(name)
        if node is not None and node.op_type == "Reshape" and node.input[0] in tables and node.input[1] in tables:
            return numpy_helper.to_array(tables[node.input[0]]).reshape(numpy_helper.to_array(tables[node.input[1]]))
        return None

    ids_like, readers, parts = {"input_ids"}, [], []
    for node in model.graph.node:
        if not node.input or not any(i in ids_like for i in node.input):
            continue
        if node.op_type in _PASS_THROUGH and node.input[0] in ids_like:
            ids_like.update(node.output)
        elif (
            node.op_type == "Gather" and len(node.input) == 2 and node.input[1] in ids_like and node.input[0] in tables
        ):
            table = numpy_helper.to_array(tables[node.input[0]])
            if table.ndim == 2:
                return table
        elif node.op_type == "GatherBlockQuantized" and node.input[1] in ids_like:
            attrs = {a.name: a.i for a in node.attribute}
            data, scales = constant(node.input[0]), constant(node.input[2])
            zeros = constant(node.input[3]) if len(node.input) > 3 and node.input[3] else None
            if (
                attrs.get("quantize_axis") == 1
                and data is not None
                and scales is not None
                and attrs.get("bits", 4) in (4, 8)
            ):
                parts.append(
                    (
                        node.output[0],
                        _dequantize_rows(data, scales, zeros, attrs.get("bits", 4), int(attrs["block_size"])),
                    )
                )
                continue
        readers.append(node.op_type)
    if len(parts) == 1:
        return parts[0][1]
    if parts:  # the rows as a sum of quantised parts (the 4-bit file: two halves added)
        names = {name for name, _ in parts}
        if any(n.op_type == "Add" and set(n.input) == names for n in model.graph.node):
            return np.sum([table for _, table in parts], axis=0, dtype=np.float32)
    raise FileFormatError(
        graph_path,
        "no token embedding table found",
        expected="a Gather of input_ids from a 2-D weight (or 4- or 8-bit GatherBlockQuantized rows, or a sum of them)",
        found="input_ids read by " + (", ".join(readers) or "nothing"),
    )


def _dequantize_rows(
    data: np.ndarray, scales: np.ndarray, zeros: np.ndarray | None, bits: int, block: int
) -> np.ndarray:
    """GatherBlockQuantized's table as float32 (rows, width): blocks along the width, ``(q - z) * scale``;
    4-bit values two to a byte, the first in the low nibble (zero points packed the same way)."""
    rows = data.shape[0]
    if bits == 4:
        data = np.stack([data & 0x0F, data >> 4], axis=-1).reshape(rows, -1)
        if zeros is not None:
            zeros = np.stack([zeros & 0x0F, zeros >> 4], axis=-1).reshape(rows, -1)
    q = data.reshape(rows, -1, block).astype(np.float32)
    n_blocks = q.shape[1]
    default = 8.0 if bits == 4 else 128.0
    z = zeros.reshape(rows, -1)[:, :n_blocks, None].astype(np.float32) if zeros is not None else default
    return ((q - z) * scales.reshape(rows, -1)[:, :n_blocks, None]).reshape(rows, -1).astype(np.float32)


def token_names(tokenizer: Tokenizer, rows: int) -> list[str]:
    """One distinct, visible name per row (rows past the tokenizer's vocabulary are ``<unused N>``)."""
    names, seen = [], set()
    for i in range(rows):
        name = tokenizer.readable(i).replace("\n", "\u21b5") if i < tokenizer.vocab_size else f"<unused {i}>"
        if name in seen or not name:
            name = f"{name}\u00b7{i}"
        seen.add(name)
        names.append(name)
    return names


def _source(model_path: str) -> tuple[Path, Path, str, str]:
    """(graph, tokenizer.json, display name, a key that changes when the graph does)."""
    if not model_path:
        d = registry.model_dir(registry.LANGUAGE_MODEL)
        m = load_manifest(d)
        graph = model_file(d, m, "model", verify=False)
        key = m["files"]["model"].get("sha256") or file_key(graph)
        return graph, model_file(d, m, "tokenizer", verify=False), m.get("display_name", d.name), key
    graph, _, tokenizer = find_files(model_path)
    return graph, tokenizer, Path(model_path).expanduser().name, file_key(graph)


def q4_unavailable() -> str:
    """Why the built language model has no 4-bit copy whose token embeddings can be read ("" when it has)."""
    from .q4_files import q4_manifest
    from .runtime import repair_hint

    name = registry.LANGUAGE_MODEL
    if not registry.is_built(name):
        return f"the language model {name} is not built ({repair_hint(name, verb='build it')})"
    d = registry.model_dir(name)
    m = load_manifest(d)
    if m.get("precision") == "q4":
        return "this install ships only the 4-bit language model: there is no fp32 file to compare it with"
    qm, _faithful, why = q4_manifest(d, m)
    if why:
        return why
    if qm is None or not (d / qm["files"]["model"]["file"]).is_file():
        return f"no 4-bit copy of {name} is built ({repair_hint(name, verb='build it')})"
    return ""


def _q4_source() -> tuple[Path, Path, str, str]:
    """(graph, tokenizer.json, display name, key) of the language model's 4-bit copy; ModelMissingError
    saying why when there is none."""
    from .q4_files import q4_manifest

    why = q4_unavailable()
    if why:
        raise ModelMissingError(why)
    d = registry.model_dir(registry.LANGUAGE_MODEL)
    m = load_manifest(d)
    qm, _faithful, _why = q4_manifest(d, m)
    entry = qm["files"]["model"]
    graph = d / entry["file"]
    key = entry.get("sha256") or file_key(graph)
    return graph, model_file(d, m, "tokenizer", verify=False), f"{m.get('display_name', d.name)} 4-bit", key


def token_embeddings(model_path: str = "", precision: str = "fp32") -> Job[EmbeddingSet]:
    """Open the token embeddings of the built language model ("") or of an Optimum-layout folder;
    ``precision="q4"``: of the built language model's 4-bit copy (ModelMissingError when it has none)."""
    if precision not in ("fp32", "q4"):
        raise ValueError(f"precision must be fp32 or q4, got {precision!r}")
    if precision == "q4" and model_path:
        raise ValueError("a 4-bit copy exists only for the built language model")
    graph, tokenizer_path, name, key = _source(model_path) if precision == "fp32" else _q4_source()
    slug = re.sub(r"[^A-Za-z0-9.-]+", "-", name).strip("-").lower() or "model"
    folder = cache_dir() / "sets" / f"tokens-{slug}-{key[:12]}"
    if store.read_meta(folder) is not None:
        yield Progress(1.0, f"opening the {name} token embeddings")
        try:
            return store.open_set(folder)
        except FileNotFoundError:
            pass
    yield Progress(0.05, f"reading the token embedding matrix from {graph.name}")
    table = np.asarray(embedding_matrix(graph), dtype=np.float32)
    yield Progress(0.6, "naming the tokens")
    words = token_names(Tokenizer(tokenizer_path), table.shape[0])
    yield Progress(0.8, "writing the token embeddings into the cache")
    store.save(
        words,
        table,
        folder,
        name=f"{name} token embeddings",
        source=str(graph),
        extra={"kind": "token-embeddings", "model": name, "precision": precision},
    )
    return store.open_set(folder)
