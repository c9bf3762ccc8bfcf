"""A file written whole or not at all: results.json, report.html and every output of `wslgpu-fleet`.

The temporary file is made by tempfile.mkstemp beside the target (an unpredictable name, created
exclusively, never through a link), and os.replace puts it in place: atomic on POSIX and Windows
within one folder, and it replaces whatever entry has the target's name, a symbolic link included,
rather than writing through it. The temporary file is removed on any error; the OSError goes on as is.
Pure and pytest-free: the suite's reports and the fleet's collector both write through it.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomically(path: Path, content: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # "replace": a lone surrogate a machine sent becomes "?" rather than an encoding error half way through
    data = content if isinstance(content, bytes) else content.encode("utf-8", "replace")
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        if hasattr(os, "fchmod"):  # mkstemp makes it private; a results.json is read by the fleet's collector
            os.fchmod(fd, 0o644)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
