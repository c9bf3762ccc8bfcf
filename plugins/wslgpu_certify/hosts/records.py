"""What one command did: the unit of evidence, of recording and of replay."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Callable


@dataclass(frozen=True)
class CommandRecord:
    command: str
    exit_status: int | None
    stdout: str
    stderr: str
    duration: float
    timed_out: bool = False
    cut_at: int = 0  # bytes: the command printed more than this on a stream, and was stopped (hosts/executors.py)

    def masked(self, redact: Callable[[str], str]) -> "CommandRecord":
        """The same record with its output passed through `redact` (the command is the suite's own)."""
        return replace(self, stdout=redact(self.stdout), stderr=redact(self.stderr))

    def to_json(self) -> dict:
        data = asdict(self)
        if not self.timed_out:
            del data["timed_out"]
        if not self.cut_at:
            del data["cut_at"]
        return data

    @classmethod
    def from_json(cls, command: str, data: dict) -> "CommandRecord":
        return cls(
            command=command,
            exit_status=data.get("exit_status"),
            stdout=data.get("stdout", ""),
            stderr=data.get("stderr", ""),
            duration=float(data.get("duration", 0.0)),
            timed_out=bool(data.get("timed_out", False)),
            cut_at=int(data.get("cut_at", 0)),
        )
