"""What a one-shot `docker run` printed: the program's output, or the engine's error."""

from __future__ import annotations

from dataclasses import dataclass

from ._text import evidence
from .docker import classify_docker_error
from .gpu import NbodyResult, parse_nbody


@dataclass(frozen=True)
class DockerRunFailure:
    kind: str  # one of classify_docker_error's kinds
    detail: str


def parse_nbody_run(text: str) -> NbodyResult | DockerRunFailure:
    """The benchmark's figures, or why Docker or CUDA refused to run it."""
    kind = classify_docker_error(text)
    if kind is not None:
        return DockerRunFailure(kind, evidence(text, limit=300))
    return parse_nbody(text)
