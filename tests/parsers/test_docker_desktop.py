"""Docker Desktop's outputs: its server product line, its distros in `wsl -l -v`, its Windows-side daemon.json,
and the placeholder `docker` it leaves in a distro without integration."""

import pytest

from damage import BYTE_SOUP, half
from wslgpu_certify.parsers.docker import (docker_desktop_version, parse_desktop_daemon_json, parse_docker_info,
                                           parse_docker_version)
from wslgpu_certify.parsers.errors import UnreadableOutput
from wslgpu_certify.parsers.docker_context import is_docker_desktop_distro
from wslgpu_certify.parsers.windows import parse_wsl_list_verbose

# Docker Desktop's fallback script, as threads quote it (docker/for-win#13088, #7039; docker/docs#11099 for WSL 1).
SHIM_WSL2 = ("\nThe command 'docker' could not be found in this WSL 2 distro.\nWe recommend to activate the WSL "
             "integration in Docker Desktop settings.\n\nFor details about using Docker Desktop with WSL 2, visit:\n\n"
             "https://docs.docker.com/go/wsl2/\n\n")
SHIM_WSL1 = ("The command 'docker' could not be found in this WSL 1 distro.\nWe recommend to convert this distro to "
             "WSL 2 and activate\nthe WSL integration in Docker Desktop settings.\n")


def test_server_product_names_desktop_and_its_version(corpus_text):
    text = corpus_text("docker-info__version-and-info-context-desktop-linux-docker-desktop-4.39.txt")
    version = parse_docker_version(text.split("docker info")[0])
    assert version.server_product == "Docker Desktop 4.39.0 (184744)"
    assert docker_desktop_version(version.server_product) == "4.39.0"
    assert version.server_version == "28.0.1"


@pytest.mark.parametrize("product", ["Docker Engine - Community", "Docker Engine", None, "", "Docker Desktop"])
def test_other_engines_have_no_desktop_version(product):
    assert docker_desktop_version(product) is None


def test_docker_desktop_distros_in_the_list(corpus_text):
    distros = parse_wsl_list_verbose(corpus_text("wsl-cli__list-verbose-ubuntu-plus-docker-desktop-distros.txt"))
    assert [d.name for d in distros if is_docker_desktop_distro(d.name)] == ["docker-desktop", "docker-desktop-data"]
    assert next(d for d in distros if d.is_default).name == "Ubuntu"


def test_list_without_a_default_marker_names_none(corpus_text):
    text = corpus_text("wsl-cli__list-verbose-no-default-asterisk-2.4.4-regression.txt")
    listing = text[text.index("PS > wsl --list --verbose"):text.index("PS > wsl --status")]
    distros = parse_wsl_list_verbose(listing.split("\n", 1)[1])
    assert "docker-desktop" in [d.name for d in distros] and not any(d.is_default for d in distros)


def test_desktop_engine_json_with_a_runtime(corpus_text):
    engine = parse_desktop_daemon_json(corpus_text("daemon-json__docker-desktop-engine-config-with-nvidia-runtime.txt"))
    assert engine.present and engine.invalid is None
    assert engine.config.runtimes == {"nvidia": "/usr/bin/nvidia-container-runtime"}


def test_absent_desktop_engine_json():
    assert parse_desktop_daemon_json("wslgpu-certify: no daemon.json\r\n").present is False


@pytest.mark.parametrize("text, why", [
    ('{\n  "experimental": false,\n}\n', "not valid JSON"),
    ('[{"experimental": false}]', "not one JSON object"),
    (half('{\n  "builder": {"gc": {"enabled": true}},\n  "experimental": false\n}\n'), "not valid JSON"),
    ("", "not valid JSON"),  # an empty file: dockerd stops at its EOF too
])
def test_invalid_desktop_engine_json_is_a_finding(text, why):
    engine = parse_desktop_daemon_json(text)
    assert engine.present and why in engine.invalid


def test_binary_noise_is_unreadable_not_a_finding():
    with pytest.raises(UnreadableOutput):
        parse_desktop_daemon_json(BYTE_SOUP)


@pytest.mark.parametrize("shim", [SHIM_WSL2, SHIM_WSL1])
def test_desktop_placeholder_docker_is_a_daemon_error(shim):
    assert "could not be found in this WSL" in parse_docker_version(shim).daemon_error
    assert "could not be found in this WSL" in parse_docker_info(shim).daemon_error
