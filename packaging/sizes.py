"""The size of a built app folder by part (Qt, numpy/scipy/scikit-learn, onnxruntime, projections,
models, data, ...): ``python packaging/sizes.py dist/embedding-explorer [--json]``."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

# part -> top-level names under _internal/ (a name matches itself and "<name>.libs")
PARTS = {
    "Qt (PySide6, shiboken6)": ("PySide6", "shiboken6"),
    "numpy, scipy, scikit-learn": ("numpy", "scipy", "sklearn", "threadpoolctl", "joblib"),
    "onnxruntime, onnx, tokenizers": ("onnxruntime", "onnx", "tokenizers", "ml_dtypes", "google"),
    "projections (openTSNE, UMAP: numba, llvmlite, pynndescent)": ("openTSNE", "umap", "numba", "llvmlite",
                                                                  "pynndescent"),
    "faiss (the HNSW index)": ("faiss", "faiss_cpu"),
    "pyqtgraph, PyOpenGL, pillow": ("pyqtgraph", "OpenGL", "PIL", "pillow"),
    "models": ("models",),
    "data (default set, gensim files)": ("data",),
    "the app (core, gui)": ("core", "gui"),
}


def sizes(app: Path) -> dict[str, int]:
    internal = app / "_internal"
    out: dict[str, int] = {}
    counted: set[Path] = set()
    for part, names in PARTS.items():
        total = 0
        for entry in internal.iterdir():
            base = entry.name.split(".")[0]
            if base in names or entry.name.removesuffix(".libs") in names:
                total += _size(entry)
                counted.add(entry)
        out[part] = total
    out["Python and other libraries"] = sum(_size(e) for e in internal.iterdir() if e not in counted)
    out["launcher"] = sum(p.stat().st_size for p in app.iterdir() if p.is_file())
    return out


def _size(path: Path) -> int:
    """Bytes in files under ``path``; symbolic links (PyInstaller links libraries to the top) count 0."""
    if path.is_symlink():
        return 0
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("app", type=Path)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    s = sizes(args.app)
    if args.json:
        print(json.dumps(s, indent=1))
        return 0
    for part, n in sorted(s.items(), key=lambda kv: -kv[1]):
        print(f"  {part:<60} {n / 1e6:8.1f} MB")
    print(f"  {'total':<60} {sum(s.values()) / 1e6:8.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
