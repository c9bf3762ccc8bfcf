"""The run's folder on disk: reports/<UTC timestamp>-<host>/, and reports/latest/ as a copy of the newest."""

from __future__ import annotations

import re
import shutil
from datetime import datetime, timezone
from pathlib import Path


def run_dir(reports_dir: Path, hostname: str, now: datetime | None = None) -> Path:
    now = now or datetime.now(timezone.utc)
    safe_host = re.sub(r"[^A-Za-z0-9._-]+", "_", hostname) or "host"
    return reports_dir / f"{now:%Y%m%dT%H%M%SZ}-{safe_host}"


def new_run_dir(reports_dir: Path, hostname: str) -> Path:
    """A run folder of its own: two runs of one host in the same second get -2, -3, ... (created here)."""
    base = run_dir(reports_dir, hostname)
    base.parent.mkdir(parents=True, exist_ok=True)
    for attempt in range(1, 1000):
        folder = base if attempt == 1 else base.with_name(f"{base.name}-{attempt}")
        try:
            folder.mkdir()
            return folder
        except FileExistsError:
            continue
    raise FileExistsError(f"no free run folder name beside {base}")


def keep_copy(written: str | None, in_run_folder: Path) -> None:
    """A report the user sent elsewhere (--html, --junitxml) is copied into the run folder as well."""
    if not written:
        return
    source = Path(written)
    if source.is_file() and source.resolve() != in_run_folder.resolve():
        shutil.copyfile(source, in_run_folder)


def refresh_latest(run_directory: Path) -> Path:
    """reports/latest/ becomes a copy of this run's folder (a copy: symlinks break in zips and on Windows)."""
    latest = run_directory.parent / "latest"
    if latest.is_symlink() or latest.is_file():
        latest.unlink()
    elif latest.exists():
        shutil.rmtree(latest)
    try:
        shutil.copytree(run_directory, latest)
    except OSError:
        shutil.rmtree(latest, ignore_errors=True)  # never a half copy: latest is the newest run whole, or absent
        raise
    return latest


def write_failure(what: Path, exc: OSError) -> str:
    """The one line for a report that could not be written (a full disk, a read-only folder)."""
    reason = exc.strerror
    if not reason:  # shutil.Error: a list of (source, destination, why) for each file copytree could not copy
        found = re.search(r"\[Errno \d+\] ([^:'\]]+)", str(exc))
        reason = found.group(1).strip() if found else str(exc)[:200]
    return f"wslgpu-certify: could not write {what}: {reason}"
