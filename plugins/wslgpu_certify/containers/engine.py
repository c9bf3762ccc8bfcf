"""The Docker Engine side shared by every process of a run: labels, run identity, the client, removal.

Every container this suite starts carries labels naming the run and its owning process,
so any leftover (a crashed run, an xdist worker's) can be found and removed.
"""

from __future__ import annotations

import os
import socket
from dataclasses import asdict, dataclass

LABEL_RUN = "io.wslgpu-certify.run"      # the run id, shared by all xdist workers of a run
LABEL_OWNER = "io.wslgpu-certify.owner"  # "<hostname>:<pid>" of the process that removes it
LABEL_ROLES = "io.wslgpu-certify.roles"  # e.g. "tensorflow,rstudio" when roles share an image


@dataclass(frozen=True)
class RunIdentity:
    """Shared by the owner (the controller, or a lone pytest) and its xdist workers."""

    run_id: str
    owner: str  # "<hostname>:<pid>": the process that removes the containers at the end
    password: str  # RStudio's PASSWORD for this run: random, only ever held in memory

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> "RunIdentity":
        return cls(**data)


def owner_of_this_process() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _owner_is_gone(owner: str) -> bool:
    """True when the owner label names a process of this host that no longer exists."""
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False  # another machine's run (a shared daemon): not ours to judge
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, owned by someone else
    return False


class DockerUnavailable(RuntimeError):
    """No Docker Engine answers (or the SDK is missing); the message is for the user."""


def docker_client(timeout: float = 60):
    try:
        import docker
    except ImportError:
        raise DockerUnavailable("the Docker SDK for Python is not installed (pip install docker)") from None
    try:
        client = docker.from_env(timeout=int(timeout))
        client.ping()
        return client
    except Exception as exc:  # DockerException, requests' ConnectionError, a missing socket...
        raise DockerUnavailable(f"Cannot connect to the Docker daemon: {exc}") from None


def remove_run_containers(run_id: str | None = None, stale_only: bool = False) -> list[str]:
    """Remove this suite's containers of one run (or, stale_only, of runs whose owner is gone).

    Uses a fresh client so it is safe from a signal handler interrupting another call.
    """
    try:
        client = docker_client(timeout=30)
    except DockerUnavailable:
        return []
    label = f"{LABEL_RUN}={run_id}" if run_id else LABEL_RUN
    removed = []
    for container in client.containers.list(all=True, filters={"label": label}):
        if stale_only and not _owner_is_gone(container.labels.get(LABEL_OWNER, "")):
            continue
        try:
            container.remove(force=True)
            removed.append(container.short_id)
        except Exception:  # already gone (another process won the race)
            pass
    client.close()
    return removed


def explain_engine_error(exc: Exception) -> str:
    """The engine's own words (APIError.explanation), without the SDK's URL decoration."""
    return str(getattr(exc, "explanation", None) or exc).strip()
