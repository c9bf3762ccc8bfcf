"""Tests for parsers.docker_context: `docker context show` and `docker context ls`."""

import pytest

from damage import BYTE_SOUP

from wslgpu_certify.parsers.docker_context import DockerContext, parse_docker_context_ls, parse_docker_context_show
from wslgpu_certify.parsers.errors import UnreadableOutput

GARBAGE = BYTE_SOUP

# docker 23+ header (NAME DESCRIPTION DOCKER ENDPOINT ERROR; https://github.com/bcicen/ctop/issues/349).
# Rows: Docker Desktop's desktop-linux on its named pipe (https://github.com/docker/for-win/issues/12397),
# here current inside a WSL distro whose ~/.docker/config.json names it (a WSL setup write-up in the
# code corpus shows exactly this table, with "Failed to initialize: protocol not available" before it).
LS_DESKTOP_IN_WSL = """\
NAME              DESCRIPTION                               DOCKER ENDPOINT                             ERROR
default           Current DOCKER_HOST based configuration   unix:///var/run/docker.sock
desktop-linux *   Docker Desktop                            npipe:////./pipe/dockerDesktopLinuxEngine
"""

# docker 19.03-20.10 header with Kubernetes columns; a non-current default shows no endpoint
# (https://github.com/docker/cli/issues/1618).
LS_OLD_COLUMNS = """\
NAME                DESCRIPTION                               DOCKER ENDPOINT               KUBERNETES ENDPOINT   ORCHESTRATOR
default             Current DOCKER_HOST based configuration
swarm *             swarm context                             unix:///var/run/docker.sock                         swarm
"""

# Engine installed in the distro (the documented set-up): only "default".
LS_ENGINE_IN_DISTRO = (
    "NAME        DESCRIPTION                               DOCKER ENDPOINT               ERROR\r\n"
    "default *   Current DOCKER_HOST based configuration   unix:///var/run/docker.sock\r\n"
)


def test_ls_desktop_linux_current():
    contexts = parse_docker_context_ls(LS_DESKTOP_IN_WSL)
    assert contexts.current == DockerContext(
        "desktop-linux", "Docker Desktop", "npipe:////./pipe/dockerDesktopLinuxEngine", True, None
    )
    assert contexts.current.docker_desktop
    assert [c.docker_desktop for c in contexts.contexts] == [False, True]


def test_ls_old_columns_endpoint_missing_for_non_current():
    contexts = parse_docker_context_ls(LS_OLD_COLUMNS)
    assert [(c.name, c.endpoint, c.current) for c in contexts.contexts] == [
        ("default", None, False),
        ("swarm", "unix:///var/run/docker.sock", True),
    ]


def test_ls_engine_in_distro():
    contexts = parse_docker_context_ls(LS_ENGINE_IN_DISTRO)
    assert contexts.current.name == "default" and not contexts.current.docker_desktop
    assert not contexts.docker_host_override


def test_ls_desktop_linux_socket_on_linux():
    # Docker Desktop's own socket under ~/.docker/desktop (https://github.com/pulumi/pulumi-docker/issues/720).
    text = (
        "NAME              DESCRIPTION                               DOCKER ENDPOINT                                ERROR\n"
        "default           Current DOCKER_HOST based configuration   unix:///var/run/docker.sock\n"
        "desktop-linux *   Docker Desktop                            unix:///home/ian/.docker/desktop/docker.sock\n"
    )
    assert parse_docker_context_ls(text).current.docker_desktop


def test_ls_docker_host_warning():
    text = ("Warning: DOCKER_HOST environment variable overrides the active context. To use a context, either set the "
            "global --context flag, or unset DOCKER_HOST environment variable.\n" + LS_ENGINE_IN_DISTRO)
    assert parse_docker_context_ls(text).docker_host_override


@pytest.mark.parametrize(
    "text",
    [
        LS_DESKTOP_IN_WSL[: len(LS_DESKTOP_IN_WSL) // 2],  # the current row is lost
        LS_DESKTOP_IN_WSL.replace("desktop-linux *", "desktop-linux  "),  # nothing current
        LS_ENGINE_IN_DISTRO.replace("unix:///var/run/docker.sock", ""),  # current without endpoint
        LS_ENGINE_IN_DISTRO.replace("unix:///var/run/docker.sock", "/var/run/docker.soc"),  # not an endpoint
        "",
        GARBAGE,
        "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n",
    ],
)
def test_ls_refuses(text):
    with pytest.raises(UnreadableOutput):
        parse_docker_context_ls(text)


@pytest.mark.parametrize("text, name", [("desktop-linux\n", "desktop-linux"), ("default\r\n", "default")])
def test_show(text, name):
    assert parse_docker_context_show(text) == name


@pytest.mark.parametrize("text", ["", GARBAGE, "default\ndesktop-linux\n", "docker: 'context' is not a docker command.\n"])
def test_show_refuses(text):
    with pytest.raises(UnreadableOutput):
        parse_docker_context_show(text)
