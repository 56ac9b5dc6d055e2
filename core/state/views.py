"""Saved views (Qt-free): a small JSON file that brings the map back as it was — the set (its path and
fingerprint), the projection and its settings, the camera, the query and expression, the selection,
the colouring, the cloud's switches (labels, true-neighbour lines, cluster names, pictures, density) and
the workspace.

    view = capture(session, camera=panel.view.camera(), workspace="words")
    write_view(view, "king.view.json")
    view = read_view("king.view.json")       # FileFormatError: damaged, not a view, another version
    check_set(view, session.embeddings)      # InputError: the open set is not the one it was saved on
    apply(view, session)

A view of the bundled GloVe names it ``"default"``; any other set by the path it was opened from.
Version 2 added the cloud's switches (:data:`SWITCHES`); a version 1 file reads with their defaults.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..embeddings.embedding_set import MADE_IN_APP, EmbeddingSet
from ..errors import FileFormatError, InputError
from ..io import atomic_open
from ..projections.layout import METHODS
from .session import CloudState, Session

VERSION = 2
READS = (1, 2)  # the versions read_view accepts (1: without the cloud's switches)
# CloudState's display switches a view keeps (version 2): the number of labelled points, lines to the true
# neighbours, cluster names, pictures as points, the density view
SWITCHES = ("top_labels", "true_neighbours", "names", "sprites", "density")
_CLOUD = CloudState()
KIND = "embedding-explorer view"
DEFAULT = "default"  # the set path of the bundled GloVe


@dataclass(frozen=True)
class SavedView:
    set_path: str
    fingerprint: str
    set_name: str = ""
    method: str = "pca"
    params: tuple[tuple[str, Any], ...] = ()
    point_count: int = 10000
    isolated: tuple[int, ...] = ()
    camera: dict = field(default_factory=dict)
    query: str = ""
    expression: str = ""
    selection: tuple[int, ...] = ()
    color_by: str = "frequency"
    clusters_k: int = 12
    workspace: str = "words"
    top_labels: int = _CLOUD.top_labels
    true_neighbours: bool = _CLOUD.true_neighbours
    names: bool = _CLOUD.names
    sprites: bool = _CLOUD.sprites
    density: bool = _CLOUD.density

    def to_json(self) -> dict:
        d = asdict(self)
        d["params"] = [list(p) for p in self.params]
        d["isolated"], d["selection"] = list(self.isolated), list(self.selection)
        return {"kind": KIND, "version": VERSION, **d}


def set_path_of(es: EmbeddingSet, bundled_name: str = "") -> str:
    """How a view names the set: "default" for the bundled GloVe, else the file it came from."""
    return DEFAULT if bundled_name and es.name == bundled_name or es.source.endswith("(pip)") else es.source


def capture(session: Session, *, camera: dict | None = None, workspace: str = "words",
            set_path: str | None = None) -> SavedView:
    es = session.embeddings
    if es is None:
        raise InputError("no set is open: there is no view to save")
    if set_path is None and es.source.startswith(MADE_IN_APP):
        raise InputError(f"{es.name} was {es.source.removeprefix(MADE_IN_APP)}, not read from a file: save it "
                         "first (Train ▸ Save…), open the saved file, then save the view")
    c = session.cloud
    return SavedView(set_path if set_path is not None else set_path_of(es), es.fingerprint(), es.name, c.method,
                     tuple(c.params), c.point_count, tuple(c.isolated), _plain(camera or {}),
                     session.neighbours.query, session.arithmetic.expression, tuple(session.selection), c.color_by,
                     c.clusters_k, workspace, **{k: getattr(c, k) for k in SWITCHES})


def _plain(value: Any) -> Any:
    """Camera values as JSON takes them (pyqtgraph gives Vectors and numpy floats)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)) or hasattr(value, "__iter__") and not isinstance(value, str):
        return [_plain(v) for v in value]
    return float(value) if hasattr(value, "__float__") and not isinstance(value, (bool, int)) else value


def write_view(view: SavedView, path: str | Path) -> Path:
    path = Path(path)
    with atomic_open(path, "w", encoding="utf-8") as f:
        json.dump(view.to_json(), f, indent=1)
    return path


def read_view(path: str | Path) -> SavedView:
    """The view in `path`; a damaged file, one that is not a view or one of another version is a
    FileFormatError saying which."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path} does not exist") from None
    except UnicodeDecodeError as exc:
        raise FileFormatError(path, "not a text file", offset=exc.start, expected="a view (JSON)") from None
    try:
        d = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FileFormatError(path, f"damaged: {exc.msg}", line=exc.lineno, column=exc.colno,
                              expected="a view (JSON)") from None
    if not isinstance(d, dict) or d.get("kind") != KIND:
        raise FileFormatError(path, "not a saved view of Embedding Explorer", expected=f'"kind": "{KIND}"')
    if d.get("version") not in READS:
        raise FileFormatError(path, f"a view of version {d.get('version')!r}; this version reads versions "
                              f"{', '.join(map(str, READS))}", expected=f'"version": {VERSION}')
    try:
        view = SavedView(
            str(d["set_path"]), str(d["fingerprint"]), str(d.get("set_name", "")), str(d.get("method", "pca")),
            tuple((str(k), v) for k, v in d.get("params", [])), int(d.get("point_count", 10000)),
            tuple(int(r) for r in d.get("isolated", [])), dict(d.get("camera", {})), str(d.get("query", "")),
            str(d.get("expression", "")), tuple(int(r) for r in d.get("selection", [])),
            str(d.get("color_by", "frequency")), int(d.get("clusters_k", 12)), str(d.get("workspace", "words")),
            **_switches(d))
    except (KeyError, TypeError, ValueError) as exc:
        raise FileFormatError(path, f"a field is missing or of the wrong type ({exc})", expected="a view") from None
    if view.method not in METHODS:
        raise FileFormatError(path, f"unknown projection {view.method!r}", expected=", ".join(METHODS))
    return view


def _switches(d: dict) -> dict[str, Any]:
    """The cloud's switches in a view's JSON (those missing keep their defaults: a version 1 file); a value
    of the wrong type is a TypeError naming it."""
    out: dict[str, Any] = {}
    for key in SWITCHES:
        if key not in d:
            continue
        value, kind = d[key], type(getattr(_CLOUD, key))
        if type(value) is not kind:  # bool is no int here, nor 1 a bool
            raise TypeError(f"{key!r} is {value!r}, expected {kind.__name__}")
        out[key] = value
    return out


def check_set(view: SavedView, es: EmbeddingSet | None) -> None:
    """Nothing when `es` is the set the view was saved on; else an InputError naming the file it needs."""
    where = "the bundled GloVe" if view.set_path == DEFAULT else view.set_path
    if es is None:
        raise InputError(f"this view needs {view.set_name or 'its set'} ({where}); no set is open")
    if es.fingerprint() != view.fingerprint:
        raise InputError(f"this view was saved on {view.set_name or 'another set'} ({where}, fingerprint "
                         f"{view.fingerprint}); the open set {es.name} is not that set (it has changed or is "
                         f"another): open {where}")


def needed_file(view: SavedView) -> str | None:
    """The file to open for the view (None: the bundled set); an InputError when it is missing."""
    if view.set_path == DEFAULT:
        return None
    if not Path(view.set_path).exists():
        raise InputError(f"this view needs {view.set_path} ({view.set_name}), which is missing")
    return view.set_path


def apply(view: SavedView, session: Session) -> None:
    """The view's projection, colouring, switches, query, expression and selection, on the session (whose
    set is the view's: see check_set). The camera and the workspace are the window's to restore."""
    c, n = session.cloud, len(session.embeddings) if session.embeddings is not None else 0
    c.color_by, c.clusters_k = view.color_by, view.clusters_k
    for key in SWITCHES:
        setattr(c, key, getattr(view, key))
    c.point_count, c.method, c.params = view.point_count, view.method, view.params
    c.isolated = tuple(r for r in view.isolated if 0 <= r < n)
    c.run += 1  # t-SNE and UMAP wait for Run otherwise
    session.neighbours.query = view.query
    session.arithmetic.expression = view.expression
    apply_selection(view, session)


def apply_selection(view: SavedView, session: Session) -> None:
    n = len(session.embeddings) if session.embeddings is not None else 0
    session.selection = tuple(r for r in view.selection if 0 <= r < n)
