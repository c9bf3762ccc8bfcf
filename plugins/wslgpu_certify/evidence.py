"""What the check that is running now gathered: the commands it read and the figures it published.

One `EvidenceBuffer` per check, kept in the test item's stash by the gating fixture and made
current for the duration of the check (a context variable, so no module-global list is
shared between the plugin, the gate and the probes). The gate evaluates a requirement on
the spot inside a throwaway buffer of its own, so that check's reads never leak into this one.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from .findings import Evidence


@dataclass
class EvidenceBuffer:
    evidence: list[Evidence] = field(default_factory=list)  # what the report shows (redacted excerpts)
    figures: dict = field(default_factory=dict)
    # (command, full stdout+stderr, exit status) of each command read: matched against the known causes
    outputs: list[tuple[str, str, int | None]] = field(default_factory=list)


_current: ContextVar[EvidenceBuffer | None] = ContextVar("wslgpu_evidence", default=None)


def current() -> EvidenceBuffer:
    """The running check's buffer (a fresh, discarded one when no check is running)."""
    return _current.get() or EvidenceBuffer()


@contextmanager
def collecting(buffer: EvidenceBuffer):
    """Make `buffer` current while the block runs (a check, or a requirement evaluated on the spot)."""
    token = _current.set(buffer)
    try:
        yield buffer
    finally:
        _current.reset(token)


FIGURE_CHARS = 300  # a published text: what a report row can show
FIGURE_ITEMS = 20  # a published list


def bounded(value):
    """A figure no output can blow up: long text and long lists are cut, saying how much was left out."""
    if isinstance(value, str) and len(value) > FIGURE_CHARS:
        return f"{value[:FIGURE_CHARS]}... ({len(value) - FIGURE_CHARS} more characters)"
    if isinstance(value, (list, tuple)) and len(value) > FIGURE_ITEMS:
        return [*value[:FIGURE_ITEMS], f"... {len(value) - FIGURE_ITEMS} more"]
    return value


def publish(name: str, value) -> None:
    """Hand a figure (a number, a file name under the run folder) to the report."""
    current().figures[name] = bounded(value)
