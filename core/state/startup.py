"""What every start checks before it reads anything: the app's folders can be written, and
nothing a killed writer left behind is mistaken for a finished file.

    notices = prepare_folders()     # one line per thing the user should know; [] on most starts

* Leftovers (``name.XXXXXXXX.partial``: a cache, settings or model write that was
  interrupted) are removed, and a folder moved aside by an unfinished publish is put
  back (:func:`core.io.clean_stale`); the notice says only that interrupted work was lost.
* A cache folder that cannot be written is replaced, for this session, by one in the
  temporary folder; a config folder that cannot be written means preferences and layout
  are not saved this time. Both say so.
"""
from __future__ import annotations

import getpass
import os
import tempfile
from pathlib import Path

from ..io import clean_stale
from ..paths import cache_dir, config_dir, data_dir

CACHE_ENV = "EMBEDDING_EXPLORER_CACHE"


def unwritable(folder: Path) -> str | None:
    """Why a file cannot be created in ``folder`` (None when it can)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=".write-check-", dir=folder)
        os.close(fd)
        os.unlink(name)
    except OSError as exc:
        return exc.strerror or str(exc)
    return None


def _fallback_cache() -> Path:
    user = getpass.getuser()
    return Path(tempfile.gettempdir()) / f"embedding-explorer-{user}" / "cache"


def prepare_folders() -> list[str]:
    """Check the cache and config folders and tidy interrupted writes; the notices to show."""
    notices: list[str] = []
    cache = cache_dir()
    why = unwritable(cache)
    if why is not None:
        fallback = _fallback_cache()
        if unwritable(fallback) is None:
            os.environ[CACHE_ENV] = str(fallback)
            notices.append(f"The cache folder {cache} cannot be written ({why}); converted copies go to "
                           f"{fallback} for this session.")
        else:
            notices.append(f"The cache folder {cache} cannot be written ({why}); files are read again at "
                           "every open.")
    why = unwritable(config_dir())
    if why is not None:
        notices.append(f"The settings folder {config_dir()} cannot be written ({why}); preferences and the "
                       "window layout will not be saved this time.")
    cleaned = clean_stale(cache_dir(), depth=2) + clean_stale(config_dir()) + \
        clean_stale(data_dir() / "models", depth=2)
    if cleaned:
        notices.append(f"The last run stopped while writing; {len(cleaned)} unfinished "
                       f"file{'s' * (len(cleaned) > 1)} tidied away (nothing else was lost): "
                       + "; ".join(cleaned[:3]) + ("; ..." if len(cleaned) > 3 else ""))
    return notices
