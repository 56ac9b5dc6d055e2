"""Cold loads of compressed and archived files vs the plain file, and vs gensim 4.x reading the same
compressed file (it decompresses through smart_open), in one run.

    .venv/bin/python benchmarks/bench_compressed.py [--words 400000] [--keep DIR]

Files: GloVe 6B 50d (the bundled set) as GloVe text and as a word2vec binary, each plain, gzip
(level 6), bzip2 and xz (preset 1), and the text inside a .zip. Each is opened with a cold cache
(``use_cache=False``), best of two; gensim's ``KeyedVectors.load_word2vec_format`` once.
"""
from __future__ import annotations

import argparse
import bz2
import gzip
import lzma
import os
import shutil
import sys
import tempfile
import time
import warnings
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
warnings.filterwarnings("ignore")

import numpy as np

from core.embeddings import exporters, loaders
from core.embeddings.default_set import load_default
from core.progress import run_sync


def write_files(folder: Path, words: int) -> dict[str, Path]:
    es = run_sync(load_default())
    txt, binf = folder / "glove.txt", folder / "glove.bin"
    if not txt.exists():
        run_sync(exporters.write_word2vec_text(es, txt, header=False, rows=range(words)))
    if not binf.exists():
        with open(binf, "wb") as f:
            f.write(f"{words} {es.dim}\n".encode())
            vecs = np.asarray(es.vectors[:words], dtype="<f4")
            for w, v in zip(es.words[:words], vecs):
                f.write(w.encode() + b" " + v.tobytes() + b"\n")
    files = {"text": txt, "binary": binf}
    for src in (txt, binf):
        for suffix, opener in ((".gz", lambda p: gzip.open(p, "wb", 6)), (".bz2", lambda p: bz2.open(p, "wb")),
                               (".xz", lambda p: lzma.open(p, "wb", preset=1))):
            out = src.with_name(src.name + suffix)
            if not out.exists():
                with open(src, "rb") as fi, opener(out) as fo:
                    shutil.copyfileobj(fi, fo, 1 << 20)
            files[f"{'text' if src is txt else 'binary'}{suffix}"] = out
    z = folder / "glove.zip"
    if not z.exists():
        with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.write(txt, "glove.6B.50d.txt")
    files["text in .zip"] = z
    return files


def ours(path: Path) -> float:
    best = float("inf")
    for _ in range(2):
        t = time.perf_counter()
        run_sync(loaders.load(path, use_cache=False))
        best = min(best, time.perf_counter() - t)
    return best


def gensim_load(path: Path, binary: bool) -> float:
    from gensim.models import KeyedVectors

    t = time.perf_counter()
    KeyedVectors.load_word2vec_format(str(path), binary=binary, no_header=not binary)
    return time.perf_counter() - t


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--words", type=int, default=400000)
    ap.add_argument("--keep", type=Path, help="keep (and reuse) the files here")
    ap.add_argument("--skip-gensim", action="store_true")
    args = ap.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench-compressed-"))
    folder.mkdir(parents=True, exist_ok=True)
    files = write_files(folder, args.words)
    print(f"GloVe 6B 50d, {args.words:,} words; load average {os.getloadavg()[0]:.1f}\n")
    plain = {}
    for name, path in files.items():
        t = ours(path)
        kind = name.split(".")[0].split(" ")[0]
        plain.setdefault(kind, t)
        peer = ""
        if not args.skip_gensim and "zip" not in name:
            g = gensim_load(path, binary=kind == "binary")
            peer = f"   gensim {g:7.2f} s   ratio {g / t:5.1f}x"
        print(f"{name:<14} {path.stat().st_size / 1e6:7.1f} MB   ours {t:6.2f} s ({t / plain[kind]:4.2f}x the plain "
              f"file){peer}", flush=True)
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
