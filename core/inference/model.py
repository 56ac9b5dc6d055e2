"""The one base of every built model: its folder and manifest, its onnxruntime session,
what to show about the runtime, and any intermediate tensor on request.

    enc = registry.open(registry.ENCODER)          # a SentenceEncoder, an OnnxModel
    enc.provider, enc.notice, enc.layer_names
    enc.run(["sentence_embedding"], feeds)          # {"sentence_embedding": array}
    enc.tensors()                                   # every intermediate tensor of the graph
    enc.run(["/encoder/layer.0/Add_output_0"], feeds)  # any of them, not only the declared outputs

Subclasses read their own settings from the manifest with :meth:`setting` (a missing or
malformed entry is a ModelCorruptError naming the manifest) and open further roles
(the language model's cached-step graph) with :meth:`open_role`.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from ..errors import ModelCorruptError
from .graph import TensorInfo, intermediate_tensors, load_graph, with_outputs
from .runtime import OnnxSession, model_file, open_graph, open_session, repair_hint
from .session_cache import cached

_MISSING = object()


class OnnxModel:
    """A built model (a folder with ``manifest.json`` and its ONNX files)."""

    kind: ClassVar[str] = ""  # the manifest's "kind" this class opens (see registry)

    def __init__(self, model_dir: str | Path, manifest: dict, *, preferred_provider: str | None = None,
                 intra_op_threads: int | None = None) -> None:
        self.model_dir = Path(model_dir)
        self.manifest = manifest
        self.name: str = manifest.get("name", self.model_dir.name)
        self.display_name: str = manifest.get("display_name", self.name)
        self.layer_names: list[str] = list(manifest.get("layers", []))
        self.runtime = {"preferred_provider": preferred_provider, "intra_op_threads": intra_op_threads}
        self._keys: dict[tuple[int, str], tuple] = {}  # (manifest, role) -> the session cache's key
        first = self.open_role("model")  # checked and opened now: a missing or damaged file is said here
        self._provider, self._notice = first.provider, first.notice
        self._graph = None
        self._graph_lock = threading.Lock()

    # -- the manifest ------------------------------------------------------------------
    def setting(self, section: str, key: str, cast: Callable[[Any], Any] = int, default: Any = _MISSING) -> Any:
        """``manifest[section][key]`` through ``cast``; missing or malformed -> ModelCorruptError."""
        try:
            value = self.manifest[section][key]
        except (KeyError, TypeError):
            if default is not _MISSING:
                return default
            raise ModelCorruptError(f"{self.model_dir / 'manifest.json'}: no {section}.{key} entry; "
                                    f"{repair_hint(self.name)}") from None
        try:
            return cast(value)
        except (TypeError, ValueError):
            raise ModelCorruptError(f"{self.model_dir / 'manifest.json'}: {section}.{key} is {value!r}; "
                                    f"{repair_hint(self.name)}") from None

    def file(self, role: str) -> Path:
        """The checked path of the file playing ``role`` (``tokenizer``, ...)."""
        return model_file(self.model_dir, self.manifest, role)

    def open_role(self, role: str, manifest: dict | None = None, model_dir: Path | None = None) -> OnnxSession:
        """The session of the file playing ``role`` (in ``manifest`` and its folder ``model_dir``, else the
        model's own), from the runtime's cache: the files are checked the first time only (a step pays a
        dict lookup)."""
        manifest = manifest or self.manifest
        slot = (id(manifest), role)
        key = self._keys.get(slot)
        if key is not None and (sess := cached(key)) is not None:
            return sess
        sess = open_session(model_dir or self.model_dir, manifest, role, **self.runtime)
        self._keys[slot] = sess.key
        return sess

    @property
    def session(self) -> OnnxSession:
        """The main file's session, from the runtime's cache at each use: a model object holds no
        session of its own, so a session the cache lets go (least recently used, or idle; see
        core.inference.runtime) is freed, and opened again if this model is used again."""
        return self.open_role("model")

    # -- what a panel shows about the runtime ------------------------------------------------
    @property
    def provider(self) -> str:
        """The execution provider running this model (as when it was opened)."""
        return self._provider

    @property
    def notice(self) -> str | None:
        """One line on a provider fallback (or a variant that could not be used); None when all is as asked."""
        return self._notice

    # -- running -------------------------------------------------------------------------
    def run(self, outputs: list[str] | tuple[str, ...], feeds: dict[str, np.ndarray],
            session: OnnxSession | None = None) -> dict[str, np.ndarray]:
        """The named outputs for ``feeds``. A name that is not a declared output but an
        intermediate tensor of the graph is fetched from a copy that exposes it."""
        sess = session or self.session
        names = list(outputs)
        extra = [n for n in names if n not in sess.output_names]
        if extra:
            if session is not None:
                raise KeyError(f"{extra[0]!r} is not an output of {sess.path.name}")
            sess = self._exposing(tuple(sorted(extra)))
        return dict(zip(names, sess.run(names, feeds)))

    def tensors(self) -> list[TensorInfo]:
        """Every intermediate tensor of the main graph (name, op type, shape, dtype)."""
        return intermediate_tensors(self._model_graph())

    def _model_graph(self):
        with self._graph_lock:
            if self._graph is None:
                self._graph = load_graph(self.session.path)
            return self._graph

    def _exposing(self, names: tuple[str, ...]) -> OnnxSession:
        graph = self._model_graph()
        try:
            data = with_outputs(graph, list(names))
        except KeyError as exc:
            raise KeyError(f"{exc.args[0]}; {self.display_name} has outputs {self.session.output_names}") from None
        return open_graph(data, self.session.path, "outputs:" + ",".join(names), name=self.name, **self.runtime)
