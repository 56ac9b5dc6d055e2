"""Where the app keeps its files. Tests and CI point these elsewhere with env vars."""
from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP = "embedding-explorer"


def cache_dir() -> Path:
    """Converted embedding sets (memory-mapped). EMBEDDING_EXPLORER_CACHE overrides."""
    env = os.environ.get("EMBEDDING_EXPLORER_CACHE")
    return Path(env) if env else Path(platformdirs.user_cache_dir(APP))


def config_dir() -> Path:
    """Preferences and window layout. EMBEDDING_EXPLORER_CONFIG overrides."""
    env = os.environ.get("EMBEDDING_EXPLORER_CONFIG")
    return Path(env) if env else Path(platformdirs.user_config_dir(APP))


DATA_ENV = "EMBEDDING_EXPLORER_DATA"


def data_dir() -> Path:
    """Built models. EMBEDDING_EXPLORER_DATA overrides."""
    env = os.environ.get(DATA_ENV)
    return Path(env).expanduser() if env else Path(platformdirs.user_data_dir(APP))


BUNDLE_ENV = "EMBEDDING_EXPLORER_BUNDLE"


def bundle_dir() -> Path | None:
    """The read-only folder of data and models shipped inside the installed app (``data/``,
    ``models/``): PyInstaller's unpack folder in the frozen app, or ``$EMBEDDING_EXPLORER_BUNDLE``
    (tests of the bundle layout from source). None when running from a source checkout."""
    import sys

    env = os.environ.get(BUNDLE_ENV)
    if env:
        return Path(env)
    if is_frozen():
        return Path(getattr(sys, "_MEIPASS", Path(sys.executable).parent))
    return None


def is_frozen() -> bool:
    """True in the installed desktop build (PyInstaller sets ``sys.frozen``)."""
    import sys

    return bool(getattr(sys, "frozen", False))


def launch_command() -> str | None:
    """The command that runs this app's command line the way it was started:
    ``python main.py`` from a source checkout, ``embedding-explorer`` for the installed
    launcher, None for the frozen app (which cannot build models: they ship inside it)."""
    import sys

    if is_frozen():
        return None
    argv0 = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else ""
    return "embedding-explorer" if argv0 == "embedding-explorer" else "python main.py"
