"""Which engine the docker CLI talks to: `docker context show` / `docker context ls`, Docker Desktop's distros."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ._text import content_lines, lines
from .errors import UnreadableOutput
from ..lazy_regex import regex

# Context names: docker/cli's validation allows [a-zA-Z0-9][a-zA-Z0-9_.+-]+.
_NAME = regex(r"^[A-Za-z0-9][A-Za-z0-9_.+-]*$")
# "Warning: DOCKER_HOST environment variable overrides the active context. ..."
_DOCKER_HOST_WARNING = regex(r"DOCKER_HOST environment variable overrides the active context", re.I)


def parse_docker_context_show(text: str) -> str:
    """Read `docker context show`: the current context's name, e.g. "default" or "desktop-linux"."""
    body = [line for line in content_lines(text) if not _DOCKER_HOST_WARNING.search(line)]
    if len(body) != 1 or not _NAME.match(body[0]):
        raise UnreadableOutput("docker context show", text)
    return body[0]


# `docker context ls` is a tabwriter table whose header fixes the column starts:
#   docker 19.03-20.10: "NAME  DESCRIPTION  DOCKER ENDPOINT  KUBERNETES ENDPOINT  ORCHESTRATOR"
#     (https://github.com/docker/cli/issues/1618)
#   docker 23+: "NAME  DESCRIPTION  DOCKER ENDPOINT  ERROR" (https://github.com/bcicen/ctop/issues/349)
# The current context's name carries " *". Docker Desktop adds desktop-linux (npipe:////./pipe/
# dockerDesktopLinuxEngine on Windows, https://github.com/docker/for-win/issues/12397;
# https://github.com/docker/for-win/issues/11721 for desktop-windows) and on Linux
# unix:///home/<user>/.docker/desktop/docker.sock (https://github.com/pulumi/pulumi-docker/issues/720).
# Inside a WSL distro integrated with Docker Desktop the context is plain "default" on
# unix:///var/run/docker.sock (https://github.com/docker-archive-public/docker.model-cli/pull/94),
# so a context alone cannot tell Desktop's integration from an engine installed in the distro.
_HEADER = regex(r"^NAME\s+DESCRIPTION\s+DOCKER ENDPOINT")
_COLUMN_TITLES = ("NAME", "DESCRIPTION", "DOCKER ENDPOINT", "KUBERNETES ENDPOINT", "ORCHESTRATOR", "ERROR")
_ENDPOINT = regex(r"^(?:unix|npipe|tcp|ssh|fd)://\S+$")
_DESKTOP_ENDPOINT = regex(r"dockerDesktop\w*Engine|/\.docker/desktop/", re.I)


@dataclass(frozen=True)
class DockerContext:
    """One row of `docker context ls`."""

    name: str
    description: str
    endpoint: str | None
    current: bool
    error: str | None

    @property
    def docker_desktop(self) -> bool:
        """True when the context is Docker Desktop's own (desktop-linux/-windows or its pipe/socket)."""
        return self.name.startswith("desktop-") or bool(self.endpoint and _DESKTOP_ENDPOINT.search(self.endpoint))


@dataclass(frozen=True)
class DockerContexts:
    contexts: tuple[DockerContext, ...]
    docker_host_override: bool

    @property
    def current(self) -> DockerContext:
        return next(c for c in self.contexts if c.current)


def _columns(header: str) -> list[tuple[str, int]]:
    starts = []
    for title in _COLUMN_TITLES:
        m = re.search(rf"(?:^|\s){re.escape(title)}(?=\s|$)", header)
        if m:
            starts.append((title, m.start() + (m.group(0)[0].isspace())))
    return sorted(starts, key=lambda item: item[1])


def parse_docker_context_ls(text: str) -> DockerContexts:
    """Read `docker context ls`: rows cut at the header's column starts; exactly one row marked '*'."""
    all_lines = lines(text)
    override = any(_DOCKER_HOST_WARNING.search(line) for line in all_lines)
    start = next((i for i, line in enumerate(all_lines) if _HEADER.match(line.strip())), None)
    if start is None:
        raise UnreadableOutput("docker context ls (no NAME DESCRIPTION DOCKER ENDPOINT header)", text)
    header = all_lines[start].strip()
    offset = all_lines[start].index(header)
    columns = _columns(header)
    contexts = []
    for raw in all_lines[start + 1:]:
        if not raw.strip() or _DOCKER_HOST_WARNING.search(raw):
            continue
        row = raw[offset:]
        cells = {}
        for n, (title, begin) in enumerate(columns):
            end = columns[n + 1][1] if n + 1 < len(columns) else None
            cells[title] = row[begin:end].strip()
        name_cell = cells.get("NAME", "")
        current = name_cell.endswith("*")
        name = name_cell.rstrip("*").strip()
        endpoint = cells.get("DOCKER ENDPOINT") or None
        if not _NAME.match(name) or (endpoint is not None and not _ENDPOINT.match(endpoint)):
            raise UnreadableOutput("docker context ls (row)", raw)
        contexts.append(DockerContext(name, cells.get("DESCRIPTION", ""), endpoint, current, cells.get("ERROR") or None))
    if sum(c.current for c in contexts) != 1 or any(c.current and c.endpoint is None for c in contexts):
        # The CLI always marks one context current and always shows its endpoint.
        raise UnreadableOutput("docker context ls (no single current context)", text)
    return DockerContexts(tuple(contexts), override)


# Docker Desktop's WSL 2 engine registers its own distros: docker-desktop (the engine's VM) and, before
# Desktop 4.30, docker-desktop-data (its images); wsl-cli__list-verbose-ubuntu-plus-docker-desktop-distros.txt.
DOCKER_DESKTOP_DISTROS = ("docker-desktop", "docker-desktop-data")


def is_docker_desktop_distro(name: str) -> bool:
    return name.lower() in DOCKER_DESKTOP_DISTROS


def docker_desktop_engine(distros: list):
    """The docker-desktop row of `wsl -l -v` (Docker Desktop's engine VM), None when Desktop registered none."""
    return next((d for d in distros if d.name.lower() == DOCKER_DESKTOP_DISTROS[0]), None)
