"""Projections: shapes, seeds, PCA against sklearn, exact custom axes, t-SNE progress and cancel, cache."""
from __future__ import annotations

import subprocess
import sys
import time

import numpy as np
import pytest

from core.errors import ExplorerError, UnknownWordError
from core.progress import run_sync
from core.projections import cache as projection_cache
from core.projections import layout as P
from core.projections import tsne as tsne_module
from core.projections.project import project

SMALL_TSNE = {"iterations": 20, "early_iterations": 15}


def _payloads(job):
    out = []
    result = run_sync(job, lambda p: out.append(p.payload) if p.payload is not None else None)
    return result, out


def test_point_rows_are_the_most_frequent_plus_extras(glove):
    rows = P.point_rows(glove, 100, extra=[5, 123_456, 100, 399_999, -3, 500_000])
    assert rows.dtype == np.int64
    assert list(rows[:100]) == list(range(100))
    assert list(rows[100:]) == [100, 123_456, 399_999]


def test_pca_matches_sklearn(glove):
    from sklearn.decomposition import PCA

    rows = P.point_rows(glove, 5000, extra=[200_000])
    layout = run_sync(project(glove, rows, "pca", cache=False))
    assert layout.coords.shape == (len(rows), 3) and layout.coords.dtype == np.float32
    X = P.unit_rows(glove, rows)
    ref = PCA(n_components=3).fit(X)
    np.testing.assert_allclose(layout.info["explained_variance_ratio"], ref.explained_variance_ratio_, rtol=1e-4)
    ours, theirs = layout.coords.astype(np.float64), ref.transform(X)
    for j in range(3):  # the same components up to sign
        c = np.corrcoef(ours[:, j], theirs[:, j])[0, 1]
        assert abs(c) > 0.9999
    assert layout.axis_labels[0].startswith("PC1 (")
    assert "5,001 of 400,000" in layout.info["note"]


def test_pca_of_the_whole_vocabulary_is_fast_and_deterministic(glove):
    rows = np.arange(len(glove))
    t = time.perf_counter()
    a = run_sync(project(glove, rows, "pca", cache=False))
    assert time.perf_counter() - t < 10
    b = run_sync(project(glove, rows, "pca", cache=False))
    assert a.coords.shape == (400_000, 3)
    np.testing.assert_array_equal(a.coords, b.coords)
    assert a.info["note"] == "PCA of all 400,000 words"


def test_custom_axes_are_exact_dot_products(glove):
    rows = P.point_rows(glove, 2000, [glove.id_of(w) for w in ("she", "he", "queen", "the")])
    layout = run_sync(project(glove, rows, "axes", {"x": "man -> woman", "y": "king - man + woman", "z": ""},
                                cache=False))
    gender = glove.unit_vector("woman") - glove.unit_vector("man")
    gender /= np.linalg.norm(gender)
    t = glove.unit_vector("king") - glove.unit_vector("man") + glove.unit_vector("woman")
    t /= np.linalg.norm(t)
    for word in ("she", "he", "queen", "the"):
        i = int(np.searchsorted(rows, glove.id_of(word)))
        u = glove.unit_vector(word)
        assert layout.coords[i, 0] == pytest.approx(float(u @ gender), abs=1e-5)
        assert layout.coords[i, 1] == pytest.approx(float(u @ t), abs=1e-5)
        assert layout.coords[i, 2] == 0.0
    she, he = (layout.coords[np.searchsorted(rows, glove.id_of(w)), 0] for w in ("she", "he"))
    assert she > 0 > he  # the x axis points from man to woman
    assert layout.axis_labels == ("man -> woman", "king - man + woman", "(none)")


def test_custom_axes_report_unknown_words(glove):
    with pytest.raises(UnknownWordError, match="womann"):
        run_sync(project(glove, np.arange(100), "axes", {"x": "man -> womann"}, cache=False))
    with pytest.raises(ExplorerError, match="at least one direction"):
        run_sync(project(glove, np.arange(100), "axes", {"x": "", "y": "", "z": ""}, cache=False))


def test_parameters_are_checked():
    assert dict(P.resolve_params("tsne", {"perplexity": 10}))["perplexity"] == 10
    with pytest.raises(ExplorerError, match="perplexity"):
        P.resolve_params("tsne", {"perplexity": 0})
    with pytest.raises(ExplorerError, match="no parameter"):
        P.resolve_params("pca", {"perplexity": 5})
    with pytest.raises(ExplorerError, match="unknown projection"):
        P.resolve_params("lda")


def test_tsne_caps_the_point_count(glove):
    with pytest.raises(ExplorerError, match="at most 100,000"):
        run_sync(project(glove, np.arange(100_001), "tsne", cache=False))


def test_tsne_yields_intermediate_layouts_and_is_deterministic(glove):
    rows = P.point_rows(glove, 800)
    a, payloads = _payloads(project(glove, rows, "tsne", SMALL_TSNE, cache=False))
    assert len(payloads) == 1 + 35 // tsne_module.EVERY  # the initial layout, then one every EVERY iterations
    assert all(p.shape == (800, 3) and p.dtype == np.float32 for p in payloads)
    assert np.std(payloads[0]) < 1e-3 < np.std(a.coords)  # it starts tiny (PCA / 1e4) and spreads out
    b = run_sync(project(glove, rows, "tsne", SMALL_TSNE, cache=False))
    np.testing.assert_array_equal(a.coords, b.coords)
    c = run_sync(project(glove, rows, "tsne", {**SMALL_TSNE, "seed": 7}, cache=False))
    assert not np.array_equal(a.coords, c.coords)
    assert a.coords.shape == (800, 3) and np.isfinite(a.coords).all()


def test_tsne_neighbours_are_exact(glove):
    from core.projections.tsne import exact_knn

    X = P.unit_rows(glove, np.arange(3000))
    idx, dist = run_sync(exact_knn(X, 5, block=700))
    idx2, dist2 = run_sync(exact_knn(X * 3.0, 5, block=300))  # not unit length: the general formula
    np.testing.assert_array_equal(idx2[:50], idx[:50])
    np.testing.assert_allclose(dist2[:50], 3 * dist[:50], rtol=1e-3)
    d = np.linalg.norm(X[:50, None, :] - X[None, :, :], axis=2)
    d[np.arange(50), np.arange(50)] = np.inf
    np.testing.assert_array_equal(idx[:50], np.argsort(d, axis=1, kind="stable")[:, :5])
    np.testing.assert_allclose(dist[:50], np.sort(d, axis=1)[:, :5], atol=1e-3)


def test_tsne_can_be_cancelled(glove):
    job = project(glove, P.point_rows(glove, 3000), "tsne", {"iterations": 5000}, cache=False)
    t = time.perf_counter()
    first = next(p for p in job if p.payload is not None)
    assert time.perf_counter() - t < 5  # the first layout comes at once
    assert first.payload.shape == (3000, 3)
    job.close()  # what the runner does on cancel: GeneratorExit at the yield
    with pytest.raises(StopIteration):
        next(job)


def test_results_are_cached_in_memory_and_on_disk(glove):
    rows = P.point_rows(glove, 1000)
    projection_cache.clear_memory()
    a = run_sync(project(glove, rows, "pca"))
    assert run_sync(project(glove, rows, "pca")) is a
    projection_cache.clear_memory()
    b = run_sync(project(glove, rows, "pca"))
    assert b is not a and b.info.get("cached")
    np.testing.assert_array_equal(a.coords, b.coords)
    np.testing.assert_allclose(b.transform(P.unit_rows(glove, rows[:5])), a.coords[:5], atol=1e-6)
    other = run_sync(project(glove, P.point_rows(glove, 1001), "pca"))
    assert other.coords.shape[0] == 1001


def test_a_cached_layout_says_what_its_rows_are_anew():
    """A layout cached while the note said "words" for pictures (or any older wording) is read back with
    today's note: a set of pictures says pictures, from memory and from disk."""
    from core.embeddings.embedding_set import EmbeddingSet

    rng = np.random.default_rng(0)
    pictures = EmbeddingSet([str(i) for i in range(50)], rng.normal(size=(50, 8)).astype(np.float32),
                            images=np.zeros((50, 4, 4), np.uint8))
    rows = np.arange(50)
    projection_cache.clear_memory()
    first = run_sync(project(pictures, rows, "pca"))
    assert first.info["note"] == "PCA of all 50 pictures"
    first.info["note"] = "PCA of all 50 words"  # as a cache written before pictures had their noun
    assert run_sync(project(pictures, rows, "pca")).info["note"] == "PCA of all 50 pictures"
    projection_cache.clear_memory()
    assert run_sync(project(pictures, rows, "pca")).info["note"] == "PCA of all 50 pictures"


def test_core_does_not_import_qt():
    code = (
        "import sys; import core.projections.layout, core.projections.tsne, core.projections.umap, "
        "core.projections.placement, core.projections.clustering, core.projections.quality, core.projections.cache; "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph', 'superqt', 'gui')]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.mark.slow
def test_umap_3d(glove):
    rows = P.point_rows(glove, 1500)
    messages = []
    a = run_sync(project(glove, rows, "umap", {"n_neighbors": 10}, cache=False), lambda p: messages.append(p.message))
    assert a.coords.shape == (1500, 3) and a.coords.dtype == np.float32 and np.isfinite(a.coords).all()
    assert any("epoch" in m for m in messages)
    assert a.model is not None and a.model.alive
    from core.projections.placement import method_for, place_vectors

    assert method_for(a) == "umap transform"
    placed = place_vectors(glove, a, glove.vector("crocodile")[None, :])
    assert placed.shape == (1, 3) and np.isfinite(placed).all()
    b = run_sync(project(glove, rows, "umap", {"n_neighbors": 10}, cache=False))
    np.testing.assert_allclose(a.coords, b.coords, atol=1e-4)  # a fixed seed: the same layout


@pytest.mark.slow
def test_umap_fit_can_be_cancelled_and_the_worker_restarts(glove):
    from core.projections import umap as projection_umap

    job = project(glove, P.point_rows(glove, 3000), "umap", {"seed": 5}, cache=False)
    next(job)
    next(job)
    worker = projection_umap._worker
    assert worker is not None and worker.alive
    t = time.perf_counter()
    job.close()  # terminates the child at once, even in the neighbour search
    assert not worker.alive and time.perf_counter() - t < 3
    layout = run_sync(project(glove, P.point_rows(glove, 300), "umap", {"n_neighbors": 5}, cache=False))
    assert layout.coords.shape == (300, 3) and projection_umap._worker is not worker


@pytest.mark.parametrize("n,k", [(60, 5), (300, 10), (41, 1)])
def test_trustworthiness_matches_sklearn(n, k):
    from sklearn.manifold import trustworthiness as sk_trustworthiness

    from core.projections.quality import trustworthiness_of

    rng = np.random.default_rng(n)
    X = rng.normal(size=(n, 20))
    for Y in (X[:, :3] + 0.3 * rng.normal(size=(n, 3)), rng.normal(size=(n, 3)), X[:, :3]):
        assert trustworthiness_of(X, Y, k) == pytest.approx(sk_trustworthiness(X, Y, n_neighbors=k), abs=1e-12)
    assert trustworthiness_of(X, X, k) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="k must be"):
        trustworthiness_of(X, X, (n + 1) // 2)


def test_trustworthiness_job_does_not_import_sklearn(glove_small):
    code = (
        "import sys; from core.embeddings.default_set import load_default; from core.progress import run_sync; "
        "from core.projections.project import project; from core.projections.quality import trustworthiness; "
        "es = run_sync(load_default()).subset(range(3000)); "
        "lay = run_sync(project(es, range(1000), 'pca')); "
        "t, m = run_sync(trustworthiness(es, lay, sample=500)); "
        "assert 0.5 < t <= 1 and m == 500, t; "
        "assert 'sklearn' not in sys.modules, 'sklearn was imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=str(__import__("pathlib").Path(__file__).parents[3]))


def test_a_sample_of_a_collection_says_how_many_of_how_many():
    from core.projections.layout import subset_note

    assert (
        subset_note("pca", 10000, 10000, 400000)
        == "PCA of 10,000 of 400,000 words (a sample; the others stay in the collection)"
    )
    assert subset_note("pca", 10000, 10000) == "PCA of all 10,000 words"


@pytest.mark.parametrize("dim", [1, 2])
@pytest.mark.parametrize("method", ["pca", "tsne"])
def test_a_set_of_fewer_than_three_dimensions_projects_to_three_labelled_axes(method, dim):
    """A word2vec trained in the window with 1 or 2 dimensions (found by the monkey: t-SNE's PCA start
    failed and PCA gave fewer axis labels than the views draw)."""
    from core.embeddings.embedding_set import EmbeddingSet

    es = EmbeddingSet([f"w{i}" for i in range(60)], np.random.default_rng(0).normal(size=(60, dim)).astype(np.float32))
    lay = run_sync(project(es, np.arange(60), method, cache=False))
    assert lay.coords.shape == (60, 3) and np.isfinite(lay.coords).all()
    assert len(lay.axis_labels) == 3
