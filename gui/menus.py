"""The main window's menus (File, View, Search, Help) and the About text."""
from __future__ import annotations

import platform

import numpy as np
from PySide6 import __version__ as PYSIDE_VERSION
from PySide6.QtCore import qVersion
from PySide6.QtGui import QAction, QActionGroup, QKeySequence

from core.embeddings.default_set import LICENCE
from core.embeddings.default_set import NAME as DEFAULT_NAME
from core.embeddings.embedding_set import EmbeddingSet
from gui.theme import THEMES


def build_menus(window) -> None:
    bar = window.menuBar()
    file_menu = bar.addMenu("&File")
    window.open_action = file_menu.addAction(
        "&Open embeddings…", window.show_open_dialog, QKeySequence.StandardKey.Open
    )
    file_menu.addAction("Open the bundled " + DEFAULT_NAME, window.load_default)
    window.open_lm_action = file_menu.addAction("Open &language model…", window.show_open_language_model)
    file_menu.addAction("Use the built language model (SmolLM2-135M)", lambda: window.open_language_model(""))
    file_menu.addAction("Open the language model's token &embeddings", window.open_token_embeddings)
    window.recent_menu = file_menu.addMenu("Open &recent")
    file_menu.addAction("Open O&NNX model…", window.show_open_onnx_dialog)
    file_menu.addAction("Open a corpus for &semantic search…", window.show_open_corpus_dialog)
    file_menu.addSeparator()
    window.save_view_action = file_menu.addAction("Save &view…", window.show_save_view_dialog)
    window.open_view_action = file_menu.addAction("Open vie&w…", window.show_open_view_dialog)
    window.recent_views_menu = file_menu.addMenu("Open recent view")
    for path in window.settings.recent_views:
        window.recent_views_menu.addAction(path, lambda p=path: window.open_view(p))
    window.recent_views_menu.setEnabled(bool(window.settings.recent_views))  # greyed, as Open recent is, when empty
    file_menu.addSeparator()
    window.export_tsv_action = file_menu.addAction("Export as Projector &TSV…", window.export_projector_tsv)
    window.export_w2v_action = file_menu.addAction("Export as &word2vec text…", window.export_word2vec_text)
    window.export_milvus_action = file_menu.addAction("Export to &Milvus…", lambda: window.show_index_dialog(True))
    window.open_milvus_action = file_menu.addAction("Open Milvus &collection…", window.show_collection_dialog)
    file_menu.addSeparator()
    file_menu.addAction("&Quit", window.close, QKeySequence.StandardKey.Quit)

    view = bar.addMenu("&View")
    for dock in window.docks.values():
        view.addAction(dock.toggleViewAction())
    view.addSeparator()
    workspaces = view.addMenu("&Workspace")
    for act in window.workspaces.actions.values():
        workspaces.addAction(act)
    window.reset_action = view.addAction("&Reset workspace", window.reset_layout)
    theme_menu = view.addMenu("&Theme")
    window.theme_actions: dict[str, QAction] = {}
    group = QActionGroup(window)
    for name in THEMES:
        act = theme_menu.addAction(name.capitalize(), lambda n=name: window.set_theme(n))
        act.setCheckable(True)
        act.setChecked(name == window.settings.theme)
        group.addAction(act)
        window.theme_actions[name] = act

    search = bar.addMenu("&Search")
    window.index_action = search.addAction("&Index…", window.show_index_dialog, QKeySequence("Ctrl+I"))
    search.addAction(
        "&Exact search", lambda: setattr(window.session.neighbours, "backend", "exact"), QKeySequence("Ctrl+E")
    )

    help_menu = bar.addMenu("&Help")
    window.examples_action = help_menu.addAction("&Examples…", window.show_start_page, QKeySequence("F1"))
    window.find_action = help_menu.addAction("&Find…", window.show_find_box, QKeySequence("Ctrl+K"))
    help_menu.addSeparator()
    help_menu.addAction("&About Embedding Explorer", window.show_about)
    window.workspaces.add_tail(window.examples_action, window.find_action)
    rebuild_recent_menu(window)


def rebuild_recent_menu(window) -> None:
    window.recent_menu.clear()
    for path in window.settings.recent_files:
        window.recent_menu.addAction(path, lambda p=path: window.open_file(p))
    window.recent_menu.setEnabled(bool(window.settings.recent_files))


def about_text(es: EmbeddingSet | None, memory: str = "") -> str:
    """The About box: versions, the CPU's kernels, each model's precision, the data's licences, and
    ``memory``, what the Session holds now (core.state.held)."""
    try:
        import onnxruntime as ort

        ort_line = f"onnxruntime {ort.__version__}; providers: {', '.join(ort.get_available_providers())}"
    except ImportError:
        ort_line = "onnxruntime: not installed"
    from core.cpu import cpu_info
    from core.errors import ExplorerError
    from core.inference import registry

    models = []
    for name in registry.MODELS:
        try:
            models.append(f"• {registry.precision_line(name)}" if registry.is_built(name) else f"• {name}: not built")
        except (ExplorerError, OSError, ValueError, KeyError, TypeError) as exc:  # a damaged manifest: said
            models.append(f"• {name}: unreadable ({exc})")
    return "\n".join(
        [
            "Embedding Explorer — see embeddings and language models at work.",
            "",
            f"Python {platform.python_version()} · Qt {qVersion()} · PySide6 {PYSIDE_VERSION} · numpy {np.__version__}",
            ort_line,
            cpu_info().line(),
            "",
            "Models and the numbers they compute with:",
            *models,
            "",
            "Data sources and licences:",
            f"• {DEFAULT_NAME}: {LICENCE}",
            "• Benchmarks: the Google analogy set, WordSim-353 and SimLex-999 as packaged with gensim (LGPL-2.1)",
            f"• Current set: {es.name} ({es.source or 'in memory'})" if es is not None else "• No set loaded",
            *(["", f"Held in memory now: {memory}"] if memory else []),
        ]
    )
