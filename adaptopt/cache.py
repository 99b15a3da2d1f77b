"""Where compiled kernels live on disk, and how to clear them.

Layout::

    <root>/                        ADAPTOPT_CACHE_DIR, else $XDG_CACHE_HOME/adaptopt, else ~/.cache/adaptopt
      <tag>/                       one folder per (Python, Numba, source hash)
        numba/                     Numba's own cache files (numba.config.CACHE_DIR)
        kernels/                   generated kernel modules (see adaptopt.engine)

The tag contains a hash of every ``.py`` file of the packages that hold jitted code
(``adaptopt`` and ``synthetic``). Numba's cache only notices edits to the file that defines a
kernel, not to the helpers it inlines from other files; keying the folder on the whole source
makes a stale kernel impossible. Old tags are left behind until ``adaptopt cache clear``.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
from pathlib import Path

import numba

#: Packages whose source is hashed into the cache tag.
JIT_PACKAGES = ("adaptopt", "synthetic")

_ROOT_ENV = "ADAPTOPT_CACHE_DIR"


def cache_root() -> Path:
    """The folder that holds every adaptopt cache (all tags)."""
    explicit = os.environ.get(_ROOT_ENV)
    if explicit:
        return Path(explicit).expanduser().resolve()
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base).resolve() / "adaptopt"


def source_hash() -> str:
    """SHA-256 (first 12 hex digits) of the jitted source of the packages in :data:`JIT_PACKAGES`.

    Only modules that compile code (those importing :mod:`adaptopt._jit`, and ``_jit.py``
    itself) are hashed: editing the engine's Python layer or the references keeps the cache.
    """
    digest = hashlib.sha256()
    top = Path(__file__).resolve().parent.parent
    for package in JIT_PACKAGES:
        for path in sorted((top / package).rglob("*.py")):
            text = path.read_bytes()
            if path.name == "_jit.py" or b"adaptopt._jit" in text:
                digest.update(str(path.relative_to(top)).encode())
                digest.update(text)
    return digest.hexdigest()[:12]


def cache_tag() -> str:
    """Folder name for this interpreter, Numba version and source."""
    py = f"py{sys.version_info.major}{sys.version_info.minor}"
    return f"{py}-numba{numba.__version__}-{source_hash()}"


def cache_dir() -> Path:
    """The folder used by this process: ``cache_root() / cache_tag()``."""
    return cache_root() / cache_tag()


def kernels_dir() -> Path:
    """Folder of the generated kernel modules."""
    return cache_dir() / "kernels"


def configure_numba_cache() -> Path:
    """Point Numba's cache at :func:`cache_dir` (called once, before any kernel is defined)."""
    folder = cache_dir() / "numba"
    folder.mkdir(parents=True, exist_ok=True)
    numba.config.CACHE_DIR = str(folder)
    return folder


def cache_size(path: Path | None = None) -> int:
    """Total size in bytes of the files under ``path`` (default: :func:`cache_root`)."""
    path = cache_root() if path is None else path
    if not path.exists():
        return 0
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def clear_cache() -> int:
    """Delete the whole cache root (every tag). Returns the number of bytes freed."""
    root = cache_root()
    freed = cache_size(root)
    if root.exists():
        shutil.rmtree(root)
    return freed
