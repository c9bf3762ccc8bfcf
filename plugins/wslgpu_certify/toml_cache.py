"""The package's own data files (check catalogs, known causes, releases, profiles, family tables), parsed and
checked once per edit instead of once per run.

tomllib is pure Python: the known-causes catalog (108 kB) alone took about 10 ms to parse, and a replay of the
healthy machine read eleven files, a sixth of its start-up (issue #24, bench/startup_bench.py). What is made
from a file is kept beside it the way Python keeps the bytecode of the modules beside it
(importlib.util.cache_from_source: `__pycache__/`, or under sys.pycache_prefix; nothing is written under
PYTHONDONTWRITEBYTECODE / `-B`, nor where the folder is read-only), as `marshal` data behind the SHA-256 of
the bytes it was made from: an edited file (or an edited module that makes it, `sources`) is made again,
whatever its time stamp. Only the files the package ships are read through here (their callers say so): a
site's own profile or catalog elsewhere is read as it is, and nothing is written beside it.

A cache file is trusted as a .pyc beside it is (whoever can write one can write the other); one that cannot be
read back (cut short, another format) is ignored and written again.
"""

from __future__ import annotations

import hashlib
import importlib.util
import marshal
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10 (Ubuntu 22.04): the same parser, from PyPI
    import tomli as tomllib

from .atomic_file import write_atomically

TOMLDecodeError = tomllib.TOMLDecodeError
MAGIC = b"wslgpu-certify kept data 1\n"  # changes when the way values are kept changes


def read_toml(path: Path, cached: bool = False) -> dict:
    """tomllib.loads(path.read_text(encoding="utf-8")), raising what that raises (OSError, UnicodeDecodeError,
    TOMLDecodeError); with `cached` (a file the package ships), the parsed copy while the bytes are the same."""
    return kept_beside(path, "toml", parse_toml) if cached else parse_toml(path.read_bytes())


def parse_toml(raw: bytes) -> dict:
    """A TOML document's bytes, parsed as read_toml reads a file (UTF-8, universal newlines)."""
    return tomllib.loads(_text(raw))


def kept_beside(path: Path, kind: str, make: Callable[[bytes], object], sources: Iterable[Path] = ()):
    """make(PATH's bytes): plain data (dicts, lists, tuples, strings, numbers, booleans, None) made from them and
    from the files SOURCES; kept beside PATH as `kind` while the bytes of all of them stay the same. make() is given
    the very bytes the key is made of (a file edited meanwhile is never kept under its old bytes' key); its errors
    go on."""
    raw = path.read_bytes()
    digest = hashlib.sha256(raw)
    for source in sources:
        digest.update(Path(source).read_bytes())
    header = MAGIC + digest.digest()
    where = _cache_path(path, kind)
    if where is not None:
        try:
            stored = where.read_bytes()
            if stored.startswith(header):
                return marshal.loads(stored[len(header):])
        except (OSError, EOFError, ValueError, TypeError):  # absent, unreadable, or not ours: make it again
            pass
    value = make(raw)
    if where is not None and not sys.dont_write_bytecode:
        try:
            write_atomically(where, header + marshal.dumps(value))
        except (OSError, ValueError):  # a read-only install; a value marshal cannot keep (a TOML date)
            pass
    return value


def _text(raw: bytes) -> str:
    """The bytes as Path.read_text gives them: UTF-8, universal newlines."""
    text = raw.decode("utf-8")
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def _cache_path(path: Path, kind: str) -> Path | None:
    """Where Python would keep the bytecode of a module beside PATH, named after PATH and KIND."""
    try:
        beside = Path(importlib.util.cache_from_source(str(path.with_suffix(".py"))))
    except (NotImplementedError, ValueError):  # no cache tag (an interpreter without bytecode caching)
        return None
    return beside.with_name(f"{path.name}.{kind}.{sys.implementation.cache_tag}.marshal")
