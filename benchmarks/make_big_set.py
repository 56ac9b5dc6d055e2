"""Write a large synthetic word2vec binary file with a clustered, word-like distribution.

    python benchmarks/make_big_set.py /tmp/big/words-2m-300d.bin --rows 2000000 --dim 300

Not uniform noise: words are made of syllables, shorter ones more frequent (row order is
frequency order, as in word2vec files); vectors come from a hierarchy of 64 topics and 4,096
clusters whose popularity follows Zipf's law, plus a shared offset (real embeddings are
anisotropic), noise with a decaying spectrum in a random basis, and norms that depend on the
frequency rank. 2,000,000 x 300 is 2.4 GB: write it under /tmp and delete it after. Memory
stays bounded (rows are written in chunks).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ONSETS = ["", "b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "z", "br", "ch",
          "cl", "cr", "dr", "fl", "fr", "gr", "pl", "pr", "sh", "sl", "sp", "st", "str", "th", "tr"]
VOWELS = ["a", "e", "i", "o", "u", "ai", "ea", "ee", "ie", "oo", "ou", "y"]
CODAS = ["", "", "", "n", "r", "s", "t", "l", "m", "ng", "nd", "st", "ck", "rd", "x"]
CHUNK = 50000
NOISE = 1.0  # against centres of unit variance per dimension: top neighbours near cosine 0.7-0.8


def words(n: int, rng: np.random.Generator) -> list[str]:
    """n distinct syllable words, roughly shortest first (frequent words are short)."""
    out: list[str] = []
    seen: set[str] = set()
    syllables = 1
    while len(out) < n:
        tries = 0
        while len(out) < n and tries < 4 * n:
            k = syllables if rng.random() < 0.7 else syllables + 1
            w = "".join(ONSETS[rng.integers(len(ONSETS))] + VOWELS[rng.integers(len(VOWELS))] +
                        CODAS[rng.integers(len(CODAS))] for _ in range(k))
            tries += 1
            if w not in seen:
                seen.add(w)
                out.append(w)
            if tries > 50 * (len(out) + 1) and syllables < 6:
                break  # this length is used up: longer words from here on
        syllables += 1
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--rows", type=int, default=2_000_000)
    ap.add_argument("--dim", type=int, default=300)
    ap.add_argument("--topics", type=int, default=64)
    ap.add_argument("--clusters", type=int, default=4096)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    t0 = time.perf_counter()
    d = args.dim
    vocab = words(args.rows, rng)
    print(f"{len(vocab):,} words in {time.perf_counter() - t0:.1f} s", flush=True)
    basis, _ = np.linalg.qr(rng.standard_normal((d, d)))
    spectrum = 1.0 / np.sqrt(np.arange(1, d + 1))
    spectrum = (spectrum / np.sqrt(np.mean(spectrum ** 2))).astype(np.float32)  # unit variance per dimension on average
    offset = rng.standard_normal(d).astype(np.float32) * 0.35
    topics = rng.standard_normal((args.topics, d)).astype(np.float32)
    parent = rng.integers(args.topics, size=args.clusters)
    centres = topics[parent] + 0.7 * rng.standard_normal((args.clusters, d)).astype(np.float32)
    popularity = 1.0 / np.arange(1, args.clusters + 1) ** 0.8
    popularity /= popularity.sum()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "wb") as f:
        f.write(f"{args.rows} {d}\n".encode())
        for s in range(0, args.rows, CHUNK):
            e = min(s + CHUNK, args.rows)
            m = e - s
            cluster = rng.choice(args.clusters, size=m, p=popularity)
            noise = (rng.standard_normal((m, d)).astype(np.float32) * spectrum) @ basis.T.astype(np.float32)
            vecs = centres[cluster] + NOISE * noise + offset
            rank = np.arange(s, e, dtype=np.float32) + 1
            scale = (0.6 + 0.5 * np.log10(rank)) * np.exp(0.15 * rng.standard_normal(m)).astype(np.float32)
            vecs *= (scale / np.linalg.norm(vecs, axis=1))[:, None] * 3.0
            vecs = vecs.astype("<f4")
            f.write(b"".join(vocab[s + i].encode() + b" " + vecs[i].tobytes() + b"\n" for i in range(m)))
            if (s // CHUNK) % 8 == 0:
                print(f"  {e:,} rows, {time.perf_counter() - t0:.0f} s", flush=True)
    print(f"wrote {out} ({out.stat().st_size / 1e9:.2f} GB) in {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
