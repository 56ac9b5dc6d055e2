"""Any ONNX model's layers: open a file from anywhere, list every tensor inside, run it on an
input made for it, and fetch the chosen tensors (Qt-free).

    model = run_sync(open_model_job("resnet.onnx"))     # checked: size, graph, external data
    model.tensors                                       # name, op type, shape, dtype of each
    model.inputs[0].kind                                # "image" | "text" | "numbers" | "" (cannot make)
    values = run_sync(run_job(model, ["/layer1/Relu_output_0"], InputChoice(image=gray)))

Inputs are made by their type: an image for a float input shaped like 1- or 3-channel pictures
(NCHW or NHWC), token ids from a ``tokenizer.json`` beside the model for integer inputs, else
zeros or a ``.npy`` file of numbers. Only the chosen tensors become extra outputs, of an
in-memory copy of the graph, when they are asked for (a large model is never run with all of
its tensors exposed). Nothing is executed from the file: no custom-op library is ever
registered, and external data must lie in the model's own folder (graph.read_untrusted).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import FileFormatError, InputError, ModelCorruptError
from ..io import file_stat_key
from ..progress import Job, Progress
from .graph import TensorInfo, graph_inputs, intermediate_tensors, read_untrusted, with_outputs

TOKENIZER_FILE = "tokenizer.json"
NUMBERS_LIMIT = 256 << 20  # a .npy of numbers larger than this is refused before reading


@dataclass(frozen=True)
class InputSpec:
    name: str
    dtype: str  # numpy's name; "" when the type is not a tensor of numbers
    shape: tuple[int | str | None, ...] | None
    kind: str  # "image" | "text" | "numbers" | "" (cannot be made: see problem)
    layout: str = ""  # image: "NCHW" | "NHWC"
    channels: int = 0
    height: int = 0
    width: int = 0
    problem: str = ""

    def describe(self) -> str:
        shape = "?" if self.shape is None else "×".join(str(d) if d not in (None, "") else "?" for d in self.shape)
        what = {"image": f"{self.channels}-channel {self.height}×{self.width} image ({self.layout})",
                "text": f"token ids from {TOKENIZER_FILE}", "numbers": "numbers (zeros, or a .npy file)"}
        return f"{self.name}: {self.dtype or 'unknown type'} [{shape}] — {what.get(self.kind, self.problem)}"


@dataclass(frozen=True, eq=False)
class InputChoice:
    """What the user chose to feed: the text, a picture (an array, grey (h, w) or RGB (h, w, 3) in
    0..1, or a file read when the model runs), and .npy files of numbers by input name."""

    text: str = "The cat sat on the mat."
    image: np.ndarray | None = None
    image_name: str = ""
    image_path: str = ""
    numbers: tuple[tuple[str, str], ...] = ()  # (input name, .npy path)

    def replace(self, **changes) -> InputChoice:
        from dataclasses import replace

        return replace(self, **changes)


@dataclass(frozen=True, eq=False)
class TensorValues:
    """The chosen tensors for one input."""

    values: dict[str, np.ndarray]
    notes: tuple[str, ...] = ()  # how each input was made
    seconds: float = 0.0


def ort_message(exc: BaseException, limit: int = 300) -> str:
    """onnxruntime's message without its error-code prefix and C++ source location."""
    msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    msg = re.sub(r"^\[ONNXRuntimeError\] : \d+ : \w+ : ", "", msg)
    where = re.search(r"\S+\.(?:cc|h|cpp):\d+ ", msg)  # "...model.cc:256 onnxruntime::Model::Model(...) what"
    if where:
        msg = msg[where.end():].rsplit(") ", 1)[-1]
    return msg[:limit]


def _dim(d) -> int | None:
    return d if isinstance(d, int) and d > 0 else None


def _spec(name: str, dtype: str, shape, has_tokenizer: bool) -> InputSpec:
    if not dtype or dtype in ("object", "str") or dtype.startswith("complex"):
        return InputSpec(name, dtype, shape, "", problem=f"a {dtype or 'non-tensor'} input cannot be made here")
    if shape is None:
        return InputSpec(name, dtype, shape, "", problem="its shape is unknown: choose a .npy file of numbers for it")
    floating = dtype.startswith("float")
    if floating and len(shape) == 4:
        for layout, c, h, w in (("NCHW", shape[1], shape[2], shape[3]), ("NHWC", shape[3], shape[1], shape[2])):
            if _dim(c) in (1, 3):
                side = 28 if c == 1 else 224
                return InputSpec(name, dtype, shape, "image", layout, int(c), _dim(h) or side, _dim(w) or side)
    if dtype.startswith("int") and len(shape) in (1, 2) and has_tokenizer:
        return InputSpec(name, dtype, shape, "text")
    return InputSpec(name, dtype, shape, "numbers")


def _resized(image: np.ndarray, spec: InputSpec) -> np.ndarray:
    """A picture in 0..1 as the input's (1, C, H, W) or (1, H, W, C) array."""
    from PIL import Image

    a = np.clip(np.asarray(image, np.float32), 0, 1)
    if a.ndim == 3 and spec.channels == 1:
        a = a[..., :3].mean(axis=2)
    elif a.ndim == 2 and spec.channels == 3:
        a = np.repeat(a[..., None], 3, axis=2)
    mode_img = Image.fromarray(np.round(a * 255).astype(np.uint8))
    out = np.asarray(mode_img.resize((spec.width, spec.height), Image.Resampling.BILINEAR), np.float32) / 255.0
    out = out.reshape(spec.height, spec.width, spec.channels)
    out = out.transpose(2, 0, 1) if spec.layout == "NCHW" else out
    return out[None].astype(spec.dtype)


def read_numbers(path: str | Path, spec: InputSpec) -> np.ndarray:
    """A .npy file (never a pickle) for one input, its size checked before reading and its shape
    against the input's known dimensions."""
    path = Path(path)
    if not path.is_file():
        raise FileFormatError(path, "file not found")
    if path.stat().st_size > NUMBERS_LIMIT:
        raise FileFormatError(path, f"larger than {NUMBERS_LIMIT >> 20} MB")
    try:
        a = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise FileFormatError(path, f"not a .npy array of numbers ({str(exc)[:120]})", expected="a .npy file") from None
    if not isinstance(a, np.ndarray) or a.dtype.kind not in "biuf":
        raise FileFormatError(path, "holds no array of numbers", expected="a .npy file of numbers")
    if spec.shape is not None:
        want = tuple(spec.shape)
        if a.ndim == len(want) - 1:
            a = a[None]  # the batch axis
        if a.ndim != len(want) or any(_dim(w) is not None and w != g for w, g in zip(want, a.shape)):
            raise FileFormatError(path, f"its shape does not fit input {spec.name!r}",
                                  expected=str(tuple(w if _dim(w) else "?" for w in want)), found=str(a.shape))
    return a.astype(spec.dtype or a.dtype)


class AnyModel:
    """An ONNX file opened for looking inside (see the module doc)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.folder = self.path.parent
        self.graph = read_untrusted(self.path)
        self.tensors: list[TensorInfo] = intermediate_tensors(self.graph)
        tok = self.folder / TOKENIZER_FILE
        inits = {t.name for t in self.graph.graph.initializer}
        infos = [t for t in graph_inputs(self.graph) if t.name not in inits]
        self.inputs = [_spec(t.name, t.dtype, t.shape, tok.is_file()) for t in infos]
        self.tokenizer = None
        if any(s.kind == "text" for s in self.inputs):
            from .tokenizer import Tokenizer

            self.tokenizer = Tokenizer(tok)
        self.outputs = [o.name for o in self.graph.graph.output]

    # -- inputs ------------------------------------------------------------------------------
    def feeds(self, choice: InputChoice) -> tuple[dict[str, np.ndarray], list[str]]:
        """Arrays for every input, and one note per input on how it was made."""
        given = dict(choice.numbers)
        ids = self.tokenizer.encode_ids(choice.text) if self.tokenizer is not None else []
        image, image_name = choice.image, choice.image_name
        if image is None and choice.image_path and any(s.kind == "image" for s in self.inputs):
            from .digit_images import read_gray

            image, image_name = read_gray(choice.image_path), image_name or Path(choice.image_path).name
        feeds, notes = {}, []
        for s in self.inputs:
            if s.name in given:
                feeds[s.name] = read_numbers(given[s.name], s)
                notes.append(f"{s.name}: {Path(given[s.name]).name}, shape {tuple(feeds[s.name].shape)}")
            elif s.kind == "image":
                if image is None:
                    feeds[s.name] = np.zeros(self._zeros_shape(s), s.dtype)
                    notes.append(f"{s.name}: no picture chosen, zeros")
                else:
                    feeds[s.name] = _resized(image, s)
                    notes.append(f"{s.name}: {image_name or 'the picture'} as {s.channels}×{s.height}×{s.width}")
            elif s.kind == "text":
                feeds[s.name] = self._text_input(s, ids)
                notes.append(f"{s.name}: {len(ids)} tokens of {choice.text[:40]!r}")
            elif s.kind == "numbers":
                feeds[s.name] = np.zeros(self._zeros_shape(s, len(ids) or 1), s.dtype)
                notes.append(f"{s.name}: zeros {tuple(feeds[s.name].shape)}")
            else:
                raise InputError(f"cannot make input {s.name!r} of {self.path.name}: {s.problem}")
        return feeds, notes

    @staticmethod
    def _zeros_shape(s: InputSpec, seq: int = 1) -> tuple[int, ...]:
        """Known dimensions as they are; an unknown one is 1 for the batch (first) axis, else `seq`."""
        return tuple(_dim(d) or (1 if i == 0 else seq) for i, d in enumerate(s.shape or ()))

    def _text_input(self, s: InputSpec, ids: list[int]) -> np.ndarray:
        n = len(ids)
        name = s.name.lower()
        if "mask" in name:
            row = np.ones(n)
        elif "type" in name or "segment" in name:
            row = np.zeros(n)
        elif "position" in name:
            row = np.arange(n)
        else:
            row = np.asarray(ids)
        return (row[None] if len(s.shape or ()) == 2 else row).astype(s.dtype)

    # -- running -----------------------------------------------------------------------------
    def _session(self, extra: tuple[str, ...]):
        """A session answering the declared outputs plus ``extra`` intermediate tensors, from the
        runtime's budgeted cache (core.inference.session_cache.cached_session)."""
        from . import session_cache

        key = (*file_stat_key(self.path), "any-model", extra)
        label = f"{self.path.name} [{len(extra)} inner tensors]" if extra else self.path.name
        return session_cache.cached_session(key, label, lambda: self._create(extra))

    def _create(self, extra: tuple[str, ...]):
        """A new session and its estimated bytes (the graph's, plus its external weight files)."""
        import onnxruntime as ort

        try:
            data = with_outputs(self.graph, list(extra)) if extra else None
        except KeyError as exc:
            raise InputError(str(exc.args[0])) from None
        so = ort.SessionOptions()
        so.log_severity_level = 3
        so.add_session_config_entry("session.model_external_initializers_file_folder_path", str(self.folder))
        try:
            sess = ort.InferenceSession(data if data is not None else str(self.path), so,
                                        providers=["CPUExecutionProvider"])
        except Exception as exc:  # noqa: BLE001 - onnxruntime's own error types: unknown operators, bad graphs
            raise ModelCorruptError(f"{self.path}: onnxruntime cannot load it ({ort_message(exc)})") from None
        return sess, (len(data) if data is not None else self.path.stat().st_size) + self._external_bytes()

    def _external_bytes(self) -> int:
        """The sizes of the weight files the graph keeps outside itself (ONNX external data)."""
        files = {e.value for t in self.graph.graph.initializer for e in t.external_data if e.key == "location"}
        return sum((self.folder / f).stat().st_size for f in files if (self.folder / f).is_file())

    def run(self, names: list[str], feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """The named tensors (declared outputs or any intermediate tensor) for these inputs."""
        names = list(dict.fromkeys(names))
        extra = tuple(sorted(n for n in names if n not in self.outputs))
        sess = self._session(extra)
        try:
            out = sess.run(names, feeds)
        except Exception as exc:  # noqa: BLE001 - onnxruntime's InvalidArgument, Fail, ...
            raise InputError(f"{self.path.name} did not run on this input: {ort_message(exc)}") from None
        return dict(zip(names, out))


def open_model_job(path: str | Path) -> Job[AnyModel]:
    yield Progress(-1, f"reading {Path(path).name}")
    return AnyModel(path)


def run_job(model: AnyModel, names: list[str], choice: InputChoice) -> Job[TensorValues]:
    import time

    yield Progress(-1, f"running {model.path.name}")
    feeds, notes = model.feeds(choice)
    t0 = time.perf_counter()
    values = model.run(names, feeds) if names else {}
    return TensorValues(values, tuple(notes), time.perf_counter() - t0)


__all__ = ["AnyModel", "InputChoice", "InputSpec", "TensorValues", "open_model_job", "read_numbers", "run_job"]
