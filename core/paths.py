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


def data_dir() -> Path:
    """Built models. EMBEDDING_EXPLORER_DATA overrides."""
    env = os.environ.get("EMBEDDING_EXPLORER_DATA")
    return Path(env) if env else Path(platformdirs.user_data_dir(APP))
