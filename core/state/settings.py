"""User preferences and the saved window layout (Qt-free).

    s = load()                 # defaults when the file is missing or unreadable
    s.add_recent("/data/glove.txt")
    save(s)                    # atomic: temp file in the same folder, then os.replace

The file is JSON under ``core.paths.config_dir()/settings.json`` and carries a
``schema_version``. :func:`migrate` upgrades older files step by step, so a file
written by any earlier release still opens.
"""
from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from ..io import atomic_write_json
from ..paths import config_dir

SCHEMA_VERSION = 3
FILE_NAME = "settings.json"
MAX_RECENT = 10
THEMES = ("light", "dark")

log = logging.getLogger(__name__)


@dataclass
class Settings:
    schema_version: int = SCHEMA_VERSION
    theme: str = "light"  # light | dark
    recent_files: list[str] = field(default_factory=list)  # most recent first
    recent_views: list[str] = field(default_factory=list)  # saved views (File ▸ Open recent view), most recent first
    last_dir: str = ""  # where the Open dialog starts
    open_format: str = ""  # "" = guess from the file
    open_limit: int = 0  # 0 = every word
    open_lowercase: bool = False
    open_dtype: str = "float32"
    metric: str = "cos"
    k: int = 10
    milvus_uri: str = ""  # the last Milvus address used ("" = the Milvus Lite database); never its token
    milvus_collection: str = ""  # the last collection opened
    window_geometry: str = ""  # QMainWindow.saveGeometry(), base64
    window_state: str = ""  # v2's single layout (QMainWindow.saveState(), base64); read once to say it was reset
    workspace: str = "words"  # the workspace on show (core.state.examples.WORKSPACES)
    workspace_states: dict[str, str] = field(default_factory=dict)  # workspace -> its saveState(), base64
    start_page: bool = True  # show the examples at start

    def add_recent(self, path: str | os.PathLike) -> None:
        p = str(Path(path).resolve())
        self.recent_files = [p] + [r for r in self.recent_files if r != p]
        del self.recent_files[MAX_RECENT:]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Settings:
        """Build from a dict of the current schema; unknown keys are dropped, bad values reset."""
        known = {f.name: f for f in fields(cls)}
        defaults = cls()
        kwargs: dict[str, Any] = {}
        for name, value in data.items():
            if name not in known:
                continue
            default = getattr(defaults, name)
            if isinstance(default, bool) and not isinstance(value, bool):
                continue
            if isinstance(default, int) and not isinstance(default, bool) and (
                    isinstance(value, bool) or not isinstance(value, int)):
                continue
            if isinstance(default, str) and not isinstance(value, str):
                continue
            if isinstance(default, list):
                if not isinstance(value, list):
                    continue
                value = [str(v) for v in value]
            if isinstance(default, dict):
                if not isinstance(value, dict):
                    continue
                value = {str(k): v for k, v in value.items() if isinstance(v, str)}
            kwargs[name] = value
        s = cls(**kwargs)
        s.schema_version = SCHEMA_VERSION
        if s.theme not in THEMES:
            s.theme = "light"
        if s.open_dtype not in ("float32", "float16"):
            s.open_dtype = "float32"
        s.k = min(max(s.k, 1), 1000)
        s.open_limit = max(s.open_limit, 0)
        del s.recent_files[MAX_RECENT:]
        return s


# -- migrations: each takes a dict of version N and returns one of version N+1 ----------
def _v1_to_v2(d: dict[str, Any]) -> dict[str, Any]:
    """v1 (0.0.x): {"version": 1, "recent": [...], "dark": bool, "geometry": str, "state": str}."""
    out = {k: v for k, v in d.items() if k not in ("version", "recent", "dark", "geometry", "state")}
    out["recent_files"] = d.get("recent", [])
    out["theme"] = "dark" if d.get("dark") else "light"
    out["window_geometry"] = d.get("geometry", "")
    out["window_state"] = d.get("state", "")
    out["schema_version"] = 2
    return out


def _v2_to_v3(d: dict[str, Any]) -> dict[str, Any]:
    """v3 adds workspaces (one layout each); v2's single layout is kept so the window can say it was reset."""
    return {**d, "schema_version": 3}


MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {1: _v1_to_v2, 2: _v2_to_v3}


def migrate(data: dict[str, Any]) -> dict[str, Any]:
    """Upgrade a settings dict of any known version to SCHEMA_VERSION."""
    version = data.get("schema_version", data.get("version", 1))
    if not isinstance(version, int) or version < 1:
        raise ValueError(f"bad schema_version {version!r}")
    if version > SCHEMA_VERSION:
        raise ValueError(f"settings schema_version {version} is newer than this app's {SCHEMA_VERSION}")
    while version < SCHEMA_VERSION:
        data = MIGRATIONS[version](data)
        version = data["schema_version"]
    return data


def settings_path() -> Path:
    return config_dir() / FILE_NAME


def load(path: str | os.PathLike | None = None) -> Settings:
    """Read the settings; a missing, unreadable or too-new file gives the defaults (and a log line)."""
    p = Path(path) if path is not None else settings_path()
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        return Settings.from_json(migrate(data))
    except FileNotFoundError:
        return Settings()
    except (OSError, ValueError) as e:
        log.warning("ignoring settings file %s: %s", p, e)
        return Settings()


def save(settings: Settings, path: str | os.PathLike | None = None) -> Path:
    """Write atomically: a temporary file in the same folder, then os.replace."""
    p = Path(path) if path is not None else settings_path()
    return atomic_write_json(p, settings.to_json(), fsync=True)
