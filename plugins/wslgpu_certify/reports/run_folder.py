"""The run's folder on disk: reports/<UTC timestamp>-<machine id>[-<run id>]/, and reports/latest/ as a copy of the newest.

The folder is created exclusively (never reused): two runs of one machine in the same second, or
of two machines named alike, get -2, -3, ... The machine is named by results.json's `run.machine_id`,
not by parsing the folder's name (a machine id may hold dashes).
"""

from __future__ import annotations

import re
import shutil
from datetime import datetime, timezone
from pathlib import Path


def safe_name(name: str) -> str:
    """A name usable as (part of) a folder name on every system: what a machine id and a run id are made of."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "host"


def run_dir(reports_dir: Path, machine_id: str, now: datetime | None = None, run_id: str | None = None) -> Path:
    now = now or datetime.now(timezone.utc)
    suffix = f"-{safe_name(run_id)}" if run_id else ""
    return reports_dir / f"{now:%Y%m%dT%H%M%SZ}-{safe_name(machine_id)}{suffix}"


def new_run_dir(reports_dir: Path, machine_id: str, run_id: str | None = None) -> Path:
    """A run folder of its own: two runs of one machine in the same second get -2, -3, ... (created here)."""
    base = run_dir(reports_dir, machine_id, run_id=run_id)
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
