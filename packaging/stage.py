"""Stage what the installed app carries, into one folder PyInstaller adds as it is:

    data/glove-6b-50d-v1/   the default set, already converted to the memory-mappable store, with its
                            first map (first_map.npz: the UMAP layout and cluster names the cloud opens on)
    data/gensim/            the evaluation files and corpora from gensim's test data
    models/<name>/          every built model: the files its manifest lists, checksummed again here;
                            the language model as its fast graph alone (models/build_fast_lm.py: fused
                            operators on the GGUF's own 4-bit / 8-bit weights, hidden states as optional
                            outputs; 114 MB instead of 542) when its parity holds, else its 4-bit file
                            alone when quantized.json calls it faithful;
                            the sentence encoder with 16-bit weights (45 MB instead of 91) when its
                            sentence vectors keep parity
    icons/                  the app icon as SVG and PNGs at the hicolor sizes (for the .deb)

    python packaging/stage.py build/stage        # prints the size of each part

Run from a source checkout after ./run.sh (models built, packages installed). Nothing here is
imported by the app.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.embeddings import default_set
from core.embeddings.evaluation import data_file
from core.inference import registry
from core.inference.runtime import verify_model
from core.io import sha256_file
from core.paths import cache_dir
from core.progress import run_sync
from core.projections import first_map

GENSIM_FILES = ("questions-words.txt", "wordsim353.tsv", "simlex999.txt", "lee_background.cor",
                "head500.noblanks.cor")
ICON_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)
SKIP_ROLES = {"reference"}  # build-time reference outputs: the tests use them, the app does not


def shipped_models() -> list[str]:
    """The models the desktop build ships: all but those whose registry row says why not."""
    return [n for n, s in registry.MODELS.items() if not s.not_packaged]


def _copy_model(name: str, dest: Path) -> int:
    src = registry.model_dir(name)
    manifest = registry.manifest(name)
    verify_model(src, manifest)  # a damaged build is never shipped
    dest.mkdir(parents=True, exist_ok=True)
    files = {}
    for role, entry in manifest["files"].items():
        if role in SKIP_ROLES:
            continue
        shutil.copy2(src / entry["file"], dest / entry["file"])
        files[role] = entry
    shipped = {**manifest, "files": files}
    (dest / "manifest.json").write_text(json.dumps(shipped, indent=2) + "\n", encoding="utf-8")
    return sum(p.stat().st_size for p in dest.iterdir())


def _copy_fast_language_model(dest: Path) -> int | None:
    """The fast graph as the shipped language model (manifest "precision": "fast", its parity recorded), when
    it is built and its parity against fp32 holds on every kernel path it was measured on; else None."""
    from core.inference import fast_graph

    name = registry.FAST_LANGUAGE_MODEL
    if not registry.is_built(name):
        return None
    src, manifest = registry.model_dir(name), registry.manifest(name)
    holds, why = fast_graph.faithful(manifest)
    if not holds or not fast_graph.is_fast(manifest):
        print(f"note: not shipping the fast graph ({why or 'built before recipe 2: no hidden states'})",
              file=sys.stderr)
        return None
    verify_model(src, manifest)
    lm = registry.manifest(registry.LANGUAGE_MODEL)
    dest.mkdir(parents=True, exist_ok=True)
    files = {role: manifest["files"][role] for role in ("model", "tokenizer")}
    for entry in files.values():
        shutil.copy2(src / entry["file"], dest / entry["file"])
    shipped = {**manifest, "name": lm["name"], "display_name": lm.get("display_name", lm["name"]), "files": files,
               "shipped_variant": {"file": files["model"]["file"], "from": name, "parity": manifest["parity"]}}
    (dest / "manifest.json").write_text(json.dumps(shipped, indent=2) + "\n", encoding="utf-8")
    return sum(p.stat().st_size for p in dest.iterdir())


def _copy_language_model(dest: Path) -> int:
    """The fast graph as the shipped model when it holds parity; else the 4-bit graph (manifest "precision":
    "q4", its parity recorded), or the fp32 graph when no faithful 4-bit file is built."""
    from core.inference.q4_files import q4_manifest

    fast = _copy_fast_language_model(dest)
    if fast is not None:
        return fast

    name = registry.LANGUAGE_MODEL
    src, manifest = registry.model_dir(name), registry.manifest(name)
    qm, faithful, why = q4_manifest(src, manifest)
    try:
        arithmetic = json.loads((src / "quantized.json").read_text(encoding="utf-8"))["q4"]["recipe"]["arithmetic"]
    except (OSError, ValueError, KeyError, TypeError):
        arithmetic = None
    if qm is not None and faithful and arithmetic != "fp32":
        # whoever installs the package has a CPU nobody measured: only fp32 arithmetic gives the same numbers there
        why = f"its 4-bit file computes in {arithmetic or 'unknown'} arithmetic, which differs by CPU"
    if qm is None or not faithful or arithmetic != "fp32":
        print(f"note: shipping the fp32 language model ({why or 'no faithful 4-bit file'})", file=sys.stderr)
        return _copy_model(name, dest)
    verify_model(src, qm)
    q4 = qm["files"]["model"]
    record = json.loads((src / "quantized.json").read_text(encoding="utf-8"))["q4"]
    dest.mkdir(parents=True, exist_ok=True)
    for entry in (q4, manifest["files"]["tokenizer"]):
        shutil.copy2(src / entry["file"], dest / entry["file"])
    shipped = {**manifest, "precision": "q4",
               "files": {"model": q4, "tokenizer": manifest["files"]["tokenizer"]},
               "shipped_variant": {"file": q4["file"], "recipe": record.get("recipe"), "parity": record.get("parity")}}
    (dest / "manifest.json").write_text(json.dumps(shipped, indent=2) + "\n", encoding="utf-8")
    return sum(p.stat().st_size for p in dest.iterdir())


ENCODER_PARITY = {"min_cosine": 0.9999, "top5_same": 0.99}  # what a smaller sentence encoder must keep


def _copy_encoder(dest: Path) -> int:
    """The sentence encoder with its weights stored in 16 bits (computed in fp32: onnxruntime restores
    them when it loads the file), when its sentence vectors keep parity with fp32 on 300 sentences of
    the Lee corpus (cosine and each sentence's 5 nearest); else the fp32 file."""
    import numpy as np

    from core.inference.encoder import SentenceEncoder
    from core.io import sha256_file
    from models.compact import compact

    name = registry.ENCODER
    src, manifest = registry.model_dir(name), registry.manifest(name)
    verify_model(src, manifest)
    dest.mkdir(parents=True, exist_ok=True)
    info = compact(src / manifest["files"]["model"]["file"], dest / "model.onnx", dtype="float16")
    shutil.copy2(src / manifest["files"]["tokenizer"]["file"], dest / manifest["files"]["tokenizer"]["file"])
    model_entry = {**manifest["files"]["model"], "sha256": sha256_file(dest / "model.onnx")}
    shipped = {**manifest, "files": {"model": model_entry, "tokenizer": manifest["files"]["tokenizer"]}}
    sentences = [line.strip()[:400] for line in data_file("lee_background.cor").read_text(encoding="utf-8").splitlines()
                 if line.strip()][:300]
    ref = registry.open(name).embed(sentences)
    got = SentenceEncoder(dest, shipped).embed(sentences)
    sim, sim_ref = got @ got.T, ref @ ref.T
    top5 = float(np.mean([set(np.argsort(-sim[i])[1:6]) == set(np.argsort(-sim_ref[i])[1:6]) for i in range(len(ref))]))
    parity = {"sentences": len(ref), "min_cosine": float((got * ref).sum(1).min()),
              "max_abs_diff": float(np.abs(got - ref).max()), "top5_same": top5}
    if parity["min_cosine"] < ENCODER_PARITY["min_cosine"] or top5 < ENCODER_PARITY["top5_same"]:
        print(f"note: 16-bit encoder weights lose parity ({parity}); shipping fp32", file=sys.stderr)
        shutil.rmtree(dest)
        return _copy_model(name, dest)
    shipped["shipped_variant"] = {"weights": "float16, computed in fp32", **info, "parity_vs_fp32": parity,
                                  "rule": ENCODER_PARITY}
    (dest / "manifest.json").write_text(json.dumps(shipped, indent=2) + "\n", encoding="utf-8")
    return sum(p.stat().st_size for p in dest.iterdir())


def _icons(dest: Path) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    svg = ROOT / "packaging" / "icons" / "embedding-explorer.svg"
    app = QGuiApplication.instance() or QGuiApplication([])  # noqa: F841 - Qt needs it to paint
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"{svg} is not a valid SVG")
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(svg, dest / "embedding-explorer.svg")
    for size in ICON_SIZES:
        img = QImage(size, size, QImage.Format.Format_ARGB32)
        img.fill(Qt.GlobalColor.transparent)
        painter = QPainter(img)
        renderer.render(painter)
        painter.end()
        if not img.save(str(dest / f"embedding-explorer-{size}.png")):
            raise SystemExit(f"could not write the {size}px icon")


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def stage(out: Path, models: list[str] | None = None) -> dict[str, int]:
    if out.exists():
        shutil.rmtree(out)
    data = out / "data"
    run_sync(first_map.prepare_default())  # converted into the cache, and its first map made, if not yet
    src = default_set.default_folder()
    shutil.copytree(src, data / src.name)
    (data / "gensim").mkdir(parents=True)
    for fname in GENSIM_FILES:
        shutil.copy2(data_file(fname), data / "gensim" / fname)
    # the MNIST digits (the draw pad's held-out strip, the image cloud) and their held-out split
    from core.inference import mnist

    digits = mnist.load_digits()  # computes the split into the cache if needed
    (data / mnist.BUNDLED).mkdir()
    shutil.copy2(digits.path, data / mnist.BUNDLED / digits.path.name)
    for split_file in (cache_dir() / "mnist").glob("heldout-*.npy"):
        shutil.copy2(split_file, data / mnist.BUNDLED / split_file.name)
    # the masked-word panel's common English words (wordfreq's list; wordfreq itself is left out)
    from core.inference.masked_fill import COMMON_WORDS_FILE, common_words

    (data / COMMON_WORDS_FILE).write_text("\n".join(common_words(3000)) + "\n", encoding="utf-8")
    sizes = {"data: default set": _size(data / src.name), "data: gensim files": _size(data / "gensim"),
             "data: MNIST digits, word list": _size(data / mnist.BUNDLED) + (data / COMMON_WORDS_FILE).stat().st_size}
    for name in models or shipped_models():
        copy = {registry.LANGUAGE_MODEL: _copy_language_model, registry.ENCODER: _copy_encoder}.get(
            name, lambda d, n=name: _copy_model(n, d))
        sizes[f"model: {name}"] = copy(out / "models" / name)
    _icons(out / "icons")
    (out / "STAGED.json").write_text(json.dumps(
        {"sizes": sizes, "default_set_sha256": sha256_file(data / src.name / "vectors.npy")}, indent=1) + "\n")
    return sizes


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--models", nargs="*", choices=list(registry.MODELS), help="only these models (default: all)")
    args = ap.parse_args()
    sizes = stage(args.out, args.models)
    for part, n in sizes.items():
        print(f"{part:<28} {n / 1e6:8.1f} MB")
    print(f"{'staged in total':<28} {_size(args.out) / 1e6:8.1f} MB  ({args.out})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
