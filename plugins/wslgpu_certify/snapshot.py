"""Snapshots: one JSON file holding every command a run read, per host role.

Format documented in docs/snapshots.md. A snapshot may `extend` another (a path
relative to itself) and override or delete (`null`) single commands: that is how
the broken variants under fixtures/snapshots/ stay small and readable.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from .redact import redact
from .hosts.records import CommandRecord

FORMAT = "wslgpu-certify-snapshot/1"


class SnapshotError(ValueError):
    """A snapshot that cannot be used; the message is one line for the user."""


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
    path = Path(path).expanduser().resolve()
    if path in _seen:
        raise SnapshotError(f"snapshot {path} extends itself in a loop")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SnapshotError(f"snapshot not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SnapshotError(f"snapshot {path} cannot be read: {exc}") from None
    except json.JSONDecodeError as exc:
        raise SnapshotError(f"snapshot {path} is not valid JSON (line {exc.lineno}: {exc.msg})") from None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise SnapshotError(f"snapshot {path} is not a {FORMAT} file (missing or wrong \"format\")")
    snapshot = Snapshot()
    if raw.get("extends"):
        base = load_snapshot(path.parent / raw["extends"], (*_seen, path))
        snapshot.metadata.update(base.metadata)
        snapshot.hosts = {role: dict(cmds) for role, cmds in base.hosts.items()}
    metadata = raw.get("metadata", {})
    hosts = raw.get("hosts", {})
    if not isinstance(metadata, dict) or not isinstance(hosts, dict):
        raise SnapshotError(f"snapshot {path}: \"metadata\" and \"hosts\" must be JSON objects")
    snapshot.metadata.update(metadata)
    for role, commands in hosts.items():
        if not isinstance(commands, dict):
            raise SnapshotError(f"snapshot {path}: hosts.{role} must map commands to results")
        merged = snapshot.hosts.setdefault(role, {})
        for command, data in commands.items():
            if data is None:  # an override that removes a command recorded in the base
                merged.pop(command, None)
            elif isinstance(data, dict):
                merged[command] = CommandRecord.from_json(command, data)
            else:
                raise SnapshotError(f"snapshot {path}: hosts.{role}[{command!r}] must be an object or null")
    return snapshot
