"""Snapshots: one JSON file holding every command a run read, per host role.

Format documented in docs/snapshots.md. A snapshot may `extend` another (a path
relative to itself, or a bundled one) and override or delete (`null`) single commands: that is
how the broken variants under fixtures/snapshots/ stay small and readable. A file is read
and checked as untrusted input by snapshot_file.py: bounded, every field typed, one line on error.
"""

from __future__ import annotations

import difflib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from ..redact import redact
from .records import CommandRecord
from .snapshot_file import (FORMAT, MAX_EXTENDS, SnapshotError, check_hosts, check_metadata, extended_path,
                            read_json)

__all__ = ["FORMAT", "Snapshot", "SnapshotError", "bundled_snapshot_names", "load_snapshot", "snapshot_path"]


def bundled_snapshots_dir() -> Path:
    """The example snapshots (fixtures/snapshots/): wslgpu_certify/snapshots/ in a wheel, the checkout's otherwise.

    One may be extended by name from anywhere, and replayed by name (`--snapshot documented-healthy`)."""
    package = Path(__file__).resolve().parents[1]  # this module is wslgpu_certify/hosts/snapshot.py
    packaged = package / "snapshots"
    return packaged if packaged.is_dir() else package.parents[1] / "fixtures" / "snapshots"


BUNDLED_SNAPSHOTS = bundled_snapshots_dir()


def bundled_snapshot_names() -> list[str]:
    return sorted(p.stem for p in BUNDLED_SNAPSHOTS.glob("*.json"))


def snapshot_path(value: str) -> Path:
    """A --snapshot value as a path: a file or folder as given, or a bare name (no `/`, no `.json`, not a file
    here) as a bundled example snapshot, so the hints the tool prints work from an installed copy too."""
    path = Path(value)
    if path.exists() or "/" in value or os.sep in value or value.endswith(".json"):
        return path
    bundled = BUNDLED_SNAPSHOTS / f"{value}.json"
    if value in bundled_snapshot_names():
        return bundled
    names = bundled_snapshot_names()
    near = difflib.get_close_matches(value, names, n=3) or [n for n in names if n.endswith("healthy")]
    raise SnapshotError(f"snapshot {value[:80]!r}: no such file, nor a bundled example snapshot "
                        f"(did you mean {', '.join(near)}? all {len(names)}: wslgpu-certify --list-snapshots)")


@dataclass
class Snapshot:
    metadata: dict = field(default_factory=dict)
    hosts: dict[str, dict[str, CommandRecord]] = field(default_factory=dict)

    def role(self, role: str) -> dict[str, CommandRecord]:
        return self.hosts.get(role, {})

    def add(self, role: str, record: CommandRecord) -> None:
        self.hosts.setdefault(role, {})[record.command] = record

    def to_json(self) -> dict:
        return {
            "format": FORMAT,
            "metadata": self.metadata,
            "hosts": {
                role: {cmd: rec.to_json() for cmd, rec in sorted(cmds.items())}
                for role, cmds in sorted(self.hosts.items())
            },
        }

    def save(self, path: str | os.PathLike) -> None:
        """Write the snapshot with every secret redacted, commands included."""
        safe = Snapshot(metadata=self.metadata)
        for role, commands in self.hosts.items():
            for rec in commands.values():
                safe.add(role, CommandRecord(
                    command=redact(rec.command),
                    exit_status=rec.exit_status,
                    stdout=redact(rec.stdout),
                    stderr=redact(rec.stderr),
                    duration=rec.duration,
                    timed_out=rec.timed_out,
                ))
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(safe.to_json(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def load_snapshot(path: str | os.PathLike, _seen: tuple[Path, ...] = ()) -> Snapshot:
    """The snapshot at `path` with what it extends merged in; raises SnapshotError (one line) for any bad file."""
    try:
        path = Path(path).expanduser().resolve()
    except (OSError, RuntimeError, ValueError) as exc:
        raise SnapshotError(f"snapshot {path} cannot be read: {exc}") from None
    if path in _seen:
        raise SnapshotError(f"snapshot {path} extends itself in a loop")
    if len(_seen) >= MAX_EXTENDS:
        raise SnapshotError(f"snapshot {_seen[0]} extends a chain of more than {MAX_EXTENDS} snapshots")
    raw = read_json(path)
    metadata = raw.get("metadata", {})
    hosts = raw.get("hosts", {})
    check_metadata(path, metadata)
    check_hosts(path, hosts)
    snapshot = Snapshot()
    if raw.get("extends") is not None:
        base = load_snapshot(extended_path(path, raw["extends"], BUNDLED_SNAPSHOTS), (*_seen, path))
        snapshot.metadata.update(base.metadata)
        snapshot.hosts = {role: dict(cmds) for role, cmds in base.hosts.items()}
    snapshot.metadata.update(metadata)
    for role, commands in hosts.items():
        merged = snapshot.hosts.setdefault(role, {})
        for command, data in commands.items():
            if data is None:  # an override that removes a command recorded in the base
                merged.pop(command, None)
            else:
                merged[command] = CommandRecord.from_json(command, data)
    return snapshot
