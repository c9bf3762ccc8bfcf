"""Tests for parsers.docker over the corpus and documented formats."""


import pytest

from damage import RANDOM_TEXT

from wslgpu_certify.parsers.docker import (
    DaemonConfig,
    DockerInfo,
    classify_docker_error,
    parse_daemon_json,
    parse_docker_info,
    parse_docker_version,
    parse_fresh_login,
)
from wslgpu_certify.parsers.dpkg import DpkgPackage, installed, linux_nvidia_driver_packages, parse_dpkg
from wslgpu_certify.parsers.errors import UnreadableOutput

CANNOT_CONNECT = "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?"


def test_docker_version_engine_community(corpus_text):
    version = parse_docker_version(corpus_text("docker-info__version-engine-community-19.03-inside-wsl2.txt"))
    assert version.client_version == "19.03.8"
    assert version.server_product == "Docker Engine - Community"
    assert version.server_version == "19.03.8"
    assert version.server_os_arch == "linux/amd64"
    assert version.daemon_error is None


def test_docker_version_docker_desktop(corpus_text):
    version = parse_docker_version(corpus_text("docker-info__version-server-docker-desktop-4.27-windows-client.txt"))
    assert version.client_version == "25.0.2"
    assert version.client_os_arch == "windows/amd64"
    assert version.server_product == "Docker Desktop 4.27.1 (136059)"
    assert version.server_version == "25.0.2"
    assert version.server_os_arch == "linux/amd64"


def test_docker_version_18_09_server_without_product():
    text = (
        "Client:\n Version:           18.09.5\n OS/Arch:           linux/amd64\n\n"
        "Server:\n Engine:\n  Version:          18.09.5\n  OS/Arch:          linux/amd64\n"
        " containerd:\n  Version:          1.2.5\n"
    )
    version = parse_docker_version(text)
    assert version.server_product is None
    assert version.server_version == "18.09.5"
    assert version.client_version == "18.09.5"


def test_docker_version_pre_18_09_flat_server():
    text = "Client:\n Version:      17.03.1-ce\n\nServer:\n Version:      17.03.1-ce\n OS/Arch:      linux/amd64\n"
    version = parse_docker_version(text)
    assert version.server_version == "17.03.1-ce" and version.server_os_arch == "linux/amd64"


def test_docker_version_daemon_down():
    text = "Client: Docker Engine - Community\n Version:           24.0.7\n OS/Arch:           linux/amd64\n" + CANNOT_CONNECT
    version = parse_docker_version(text)
    assert version.client_version == "24.0.7"
    assert version.server_version is None and version.server_product is None
    assert version.daemon_error == CANNOT_CONNECT


def test_docker_version_permission_denied(corpus_text):
    version = parse_docker_version(corpus_text("docker-gpu-run__permission-denied-docker-sock-root-owned.txt"))
    assert version.daemon_error.startswith("Got permission denied while trying to connect")


def test_docker_version_unreadable(corpus_text):
    with pytest.raises(UnreadableOutput):
        parse_docker_version(corpus_text("docker-info__dockerd-fails-iptables-nf-tables-wsl2.txt"))
    with pytest.raises(UnreadableOutput):
        parse_docker_version("docker: command not found\n")


def test_docker_info_wsl1(corpus_text):
    info = parse_docker_info(corpus_text("docker-info__wsl1-kernel-4.4.0-18362-runc-only.txt"))
    assert info == DockerInfo("18.09.5", ("runc",), "runc", "Ubuntu 18.04.1 LTS", "4.4.0-18362-Microsoft", None)


def test_docker_info_cannot_connect(corpus_text):
    info = parse_docker_info(corpus_text("docker-info__cannot-connect-daemon-unrecognized-service.txt"))
    assert info.server_version is None and info.runtimes == ()
    assert info.daemon_error == CANNOT_CONNECT


def test_docker_info_modern_indented_with_nvidia():
    text = (
        "Client: Docker Engine - Community\n Version:    24.0.7\n\nServer:\n Containers: 0\n"
        " Server Version: 24.0.7\n Runtimes: io.containerd.runc.v2 nvidia runc\n Default Runtime: runc\n"
        " Kernel Version: 5.15.90.1-microsoft-standard-WSL2\n Operating System: Ubuntu 20.04.6 LTS\n"
    )
    info = parse_docker_info(text)
    assert info.runtimes == ("io.containerd.runc.v2", "nvidia", "runc")
    assert info.kernel_version == "5.15.90.1-microsoft-standard-WSL2"


@pytest.mark.parametrize(
    "name",
    [
        "docker-info__dockerd-fails-iptables-nf-tables-wsl2.txt",
        "docker-info__version-engine-community-19.03-inside-wsl2.txt",  # `docker version`, not info
    ],
)
def test_docker_info_unreadable(corpus_text, name):
    with pytest.raises(UnreadableOutput):
        parse_docker_info(corpus_text(name))


def test_dpkg_container_packages_only(corpus_text):
    packages = parse_dpkg(corpus_text("dpkg-nvidia__container-packages-only-no-linux-driver.txt"))
    assert set(packages) == {
        "libnvidia-container-tools",
        "libnvidia-container1",
        "nvidia-container-runtime",
        "nvidia-container-toolkit",
        "nvidia-docker2",
    }
    assert packages["nvidia-docker2"] == DpkgPackage("nvidia-docker2", "2.5.0-1", "ii")
    assert linux_nvidia_driver_packages(packages) == []


def test_dpkg_linux_driver_inside_wsl(corpus_text):
    packages = parse_dpkg(corpus_text("dpkg-nvidia__linux-driver-470-installed-inside-wsl.txt"))
    # dpkg -l cuts long names at the column: "libnvidia-compute-460:am".
    assert packages["libnvidia-compute-460"] == DpkgPackage("libnvidia-compute-460", "460.91.03-0ubuntu", "rc")
    assert packages["libnvidia-common"].version is None and packages["libnvidia-common"].status == "un"
    assert set(installed(packages)) == {"libnvidia-cfg1-470", "libnvidia-common-470", "libnvidia-compute-470"}
    assert linux_nvidia_driver_packages(packages) == [
        "libnvidia-cfg1-470",
        "libnvidia-common-470",
        "libnvidia-compute-470",
    ]


def test_dpkg_query_format():
    text = (
        "nvidia-docker2\t2.5.0-1\tii \n"
        "nvidia-container-toolkit\t1.3.0-1\tii \n"
        "libnvidia-container1:amd64\t1.3.0-1\tii \n"
        "nvidia-utils-470\t470.57.02-0ubuntu1\trc \n"
        "dpkg-query: no packages found matching libnvidia-container-tools\n"
    )
    packages = parse_dpkg(text)
    assert set(packages) == {"nvidia-docker2", "nvidia-container-toolkit", "libnvidia-container1", "nvidia-utils-470"}
    assert packages["libnvidia-container1"].status == "ii"
    assert set(installed(packages)) == {"nvidia-docker2", "nvidia-container-toolkit", "libnvidia-container1"}
    assert linux_nvidia_driver_packages(packages) == []  # nvidia-utils-470 is only config-files


def test_dpkg_driver_names():
    rows = ["nvidia-driver-470", "nvidia-dkms-470", "nvidia-utils-470", "libnvidia-gl-470", "nvidia-kernel-common-470",
            "xserver-xorg-video-nvidia-470", "nvidia-container-toolkit-base", "libnvidia-container-tools", "nvidia-prime"]
    packages = parse_dpkg("".join(f"{name}\t1\tii \n" for name in rows))
    assert linux_nvidia_driver_packages(packages) == sorted(rows[:6])


def test_dpkg_nothing_found_and_empty():
    assert parse_dpkg("dpkg-query: no packages found matching nvidia-docker2\n") == {}
    # dpkg never answers with nothing (it says "no packages found matching"): empty output is unreadable.
    with pytest.raises(UnreadableOutput):
        parse_dpkg("")


def test_dpkg_unreadable():
    with pytest.raises(UnreadableOutput):
        parse_dpkg("bash: dpkg-query: command not found\n")


@pytest.mark.parametrize(
    "name, expected",
    [
        (
            "daemon-json__docker-desktop-engine-config-with-nvidia-runtime.txt",
            DaemonConfig({"nvidia": "/usr/bin/nvidia-container-runtime"}, None),
        ),
        (
            "daemon-json__nvidia-ctk-generated-but-daemon-not-using-it.txt",
            DaemonConfig({"nvidia": "nvidia-container-runtime"}, None),
        ),
        (
            "daemon-json__nvidia-runtime-default-not-yet-loaded.txt",
            DaemonConfig({"nvidia": "nvidia-container-runtime"}, "nvidia"),
        ),
    ],
)
def test_daemon_json_corpus(corpus_text, name, expected):
    assert parse_daemon_json(corpus_text(name)) == expected


def test_daemon_json_empty_and_no_runtimes():
    assert parse_daemon_json("") == DaemonConfig({}, None)
    assert parse_daemon_json('{"features": {"buildkit": true}}') == DaemonConfig({}, None)


@pytest.mark.parametrize("text", ['{"runtimes": {', "[1, 2]", '{"runtimes": ["nvidia"]}'])
def test_daemon_json_invalid(text):
    with pytest.raises(UnreadableOutput):
        parse_daemon_json(text)


@pytest.mark.parametrize(
    "name, expected",
    [
        ("docker-gpu-run__could-not-select-driver-docker-desktop-insider-20257.txt", "no_gpu_driver"),
        ("docker-gpu-run__unknown-runtime-nvidia-docker-desktop-wsl2.txt", "unknown_runtime"),
        ("docker-gpu-run__permission-denied-docker-sock-root-owned.txt", "permission_denied"),
        ("docker-info__cannot-connect-daemon-unrecognized-service.txt", "daemon_unreachable"),
        ("docker-gpu-run__requirement-error-cuda-11.2-build-21354.txt", "requirement_error"),
        ("docker-gpu-run__tf-jupyter-driver-error-docker19-escaped.txt", "driver_error"),
        ("nvidia-container-cli__dxcore-init-failed-wsl2-libnvc-1.3.0.txt", "driver_error"),
        ("docker-gpu-run__wsl-detected-no-adapters-distro-on-wsl1.txt", "no_adapters"),
        ("docker-gpu-run__healthy-pytorch-nvidia-smi-in-container-wsl-1.2.2.txt", None),
        ("docker-gpu-run__nvidia-smi-not-in-path-container-wsl-2021.txt", None),
        ("nbody__healthy-rtx2070-build-20201-reference-guide.txt", None),
    ],
)
def test_classify_docker_error_corpus(corpus_text, name, expected):
    assert classify_docker_error(corpus_text(name)) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("docker: Error response from daemon: pull access denied for foo, repository does not exist.", "image_missing"),
        ("Error: No such image: nvcr.io/nvidia/k8s/cuda-sample:nbody", "image_missing"),
        ("Unable to find image 'foo:latest' locally\ndocker: Error response from daemon: manifest unknown.", "image_missing"),
        # Every first run prints "Unable to find image" before pulling successfully.
        ("Unable to find image 'nvcr.io/nvidia/k8s/cuda-sample:nbody' locally\nnbody: Pull complete\n"
         "Status: Downloaded newer image for nvcr.io/nvidia/k8s/cuda-sample:nbody\n", None),
        ("", None),
    ],
)
def test_classify_docker_error_literals(text, expected):
    assert classify_docker_error(text) == expected


# ---- the --prove-autostart poll: `docker info --format '{{.ServerVersion}}'` in a new login shell

JOB_CONTROL = "bash: cannot set terminal process group (-1): Inappropriate ioctl for device\nbash: no job control in this shell\n"


def test_fresh_login_answers_after_a_few_tries():
    login = parse_fresh_login(f"{CANNOT_CONNECT}\n{CANNOT_CONNECT}\n19.03.13\n" + JOB_CONTROL)
    assert login.server_version == "19.03.13" and login.error is None and not login.sudo_prompted


def test_fresh_login_never_answers_names_the_daemon_error():
    login = parse_fresh_login(JOB_CONTROL + f"{CANNOT_CONNECT}\n" * 40)
    assert login.server_version is None and login.error == CANNOT_CONNECT


def test_fresh_login_sudo_prompt_is_recognised():
    login = parse_fresh_login("sudo: a terminal is required to read the password; either use the -S option "
                              f"to read from standard input or configure an askpass helper\n{CANNOT_CONNECT}\n")
    assert login.sudo_prompted and login.error == CANNOT_CONNECT


def test_fresh_login_with_only_job_control_noise_is_unreadable():
    with pytest.raises(UnreadableOutput):
        parse_fresh_login(JOB_CONTROL)


# ---- damaged output: what a complete output looks like, and what is refused


GARBAGE = RANDOM_TEXT

# `docker version` of Docker CE 19.03 in the distro (docker-info__version-engine-community-19.03-inside-wsl2.txt's layout)
DOCKER_VERSION = """\
Client: Docker Engine - Community
 Version:           19.03.13
 API version:       1.40
 OS/Arch:           linux/amd64

Server: Docker Engine - Community
 Engine:
  Version:          19.03.13
  API version:      1.40 (minimum version 1.12)
  OS/Arch:          linux/amd64
  Experimental:     false
 containerd:
  Version:          1.3.7
"""
# `docker info` of the same daemon (docker-info__wsl1-kernel-4.4.0-18362-runc-only.txt's fields, indented as from 19.03)
DOCKER_INFO = """\
Client:
 Debug Mode: false

Server:
 Containers: 2
 Server Version: 19.03.13
 Storage Driver: overlay2
 Runtimes: nvidia runc
 Default Runtime: runc
 Kernel Version: 4.19.128-microsoft-standard
 Operating System: Ubuntu 20.04.1 LTS
 OSType: linux
 Architecture: x86_64
"""


def test_docker_version_and_info_read_in_every_encoding():
    for parse, text in ((parse_docker_version, DOCKER_VERSION), (parse_docker_info, DOCKER_INFO)):
        assert parse("\x00".join(text.replace("\n", "\r\n"))) == parse(text)


def test_docker_version_every_cut_inside_the_server_section_is_unreadable():
    # Cut anywhere from "Server:" to its OS/Arch, the server's product and version prove nothing.
    start = DOCKER_VERSION.index("Server:") + len("Server:")
    end = DOCKER_VERSION.index("linux/amd64", start) + len("linux/amd64")
    for cut in range(start, end):
        with pytest.raises(UnreadableOutput):
            parse_docker_version(DOCKER_VERSION[:cut])
    assert parse_docker_version(DOCKER_VERSION[:end]).server_product == "Docker Engine - Community"


def test_docker_version_garbage_is_unreadable():
    with pytest.raises(UnreadableOutput):
        parse_docker_version(GARBAGE)


def test_docker_info_every_cut_before_the_operating_system_is_unreadable():
    # The Operating System line is what tells Docker Desktop apart; cut before it, nothing is vouched for.
    end = DOCKER_INFO.index("Operating System: ") + len("Operating System: ") + 1
    for cut in range(0, end):
        with pytest.raises(UnreadableOutput):
            parse_docker_info(DOCKER_INFO[:cut])
    assert parse_docker_info(DOCKER_INFO).operating_system == "Ubuntu 20.04.1 LTS"


def test_docker_info_paste_cut_before_operating_system_is_unreadable(corpus_text):
    # A real paste that stops at "Kernel Version: 6.1": its runtimes were read before, now it is refused.
    with pytest.raises(UnreadableOutput, match="Operating System"):
        parse_docker_info(corpus_text("docker-info__docker-ce-23.0.3-in-wsl2-runtimes-list-2023-format.txt"))


def test_docker_info_repeated_is_unreadable():
    # 5 MB of one output printed over and over is not one daemon's answer.
    with pytest.raises(UnreadableOutput, match="repeated"):
        parse_docker_info(DOCKER_INFO * 3)


def test_docker_info_garbage_is_unreadable():
    with pytest.raises(UnreadableOutput):
        parse_docker_info(GARBAGE)
    with pytest.raises(UnreadableOutput):
        parse_docker_info(DOCKER_INFO.replace("Server Version: 19.03.13", "Server Version: \ufffd\ufffd"))


# `dpkg -l '*nvidia*'` as dpkg prints it (dpkg-nvidia__linux-driver-470-installed-inside-wsl.txt's layout).
DPKG_L = """\
Desired=Unknown/Install/Remove/Purge/Hold
| Status=Not/Inst/Conf-files/Unpacked/halF-conf/Half-inst/trig-aWait/Trig-pend
|/ Err?=(none)/Reinst-required (Status,Err: uppercase=bad)
||/ Name                     Version           Architecture Description
+++-========================-=================-============-=================================
ii  nvidia-docker2           2.5.0-1           all          nvidia-docker CLI wrapper
un  libnvidia-common         <none>            <none>       (no description available)
ii  libnvidia-compute-470:am 470.57.02-0ubuntu amd64        NVIDIA libcompute package
"""


def test_dpkg_list_reads_in_every_encoding():
    packages = parse_dpkg(DPKG_L)
    assert linux_nvidia_driver_packages(packages) == ["libnvidia-compute-470"]
    assert parse_dpkg("\x00".join(DPKG_L.replace("\n", "\r\n"))) == packages


def test_dpkg_list_every_cut_through_the_header_is_unreadable():
    end = DPKG_L.index("+++-")
    for cut in range(0, end + 4):
        with pytest.raises(UnreadableOutput):
            parse_dpkg(DPKG_L[:cut])


def test_dpkg_list_every_cut_of_a_row_before_its_description_is_unreadable():
    # Cut inside the driver's row, the listing must not read as "no Linux driver".
    row = DPKG_L.index("ii  libnvidia-compute-470")
    description = DPKG_L.index("NVIDIA libcompute")
    for cut in range(row + 1, description):
        with pytest.raises(UnreadableOutput):
            parse_dpkg(DPKG_L[:cut])


DPKG_QUERY = "nvidia-docker2\t2.5.0-1\tii \nnvidia-container-toolkit\t1.3.0-1\tii \nlibnvidia-container1\t1.3.0~rc.1-1\tii \n"


def test_dpkg_query_every_cut_inside_a_row_is_unreadable():
    ends = {i + 1 for i, c in enumerate(DPKG_QUERY) if c == "\n"} | {i for i, c in enumerate(DPKG_QUERY) if c == "\n"}
    ends |= {i - 1 for i, c in enumerate(DPKG_QUERY) if c == "\n"}  # "ii" before its trailing space
    for cut in range(0, len(DPKG_QUERY)):
        if cut in ends:
            continue  # cut between rows: a shorter list dpkg could have printed
        with pytest.raises(UnreadableOutput):
            parse_dpkg(DPKG_QUERY[:cut])
    assert set(parse_dpkg(DPKG_QUERY)) == {"nvidia-docker2", "nvidia-container-toolkit", "libnvidia-container1"}


@pytest.mark.parametrize("text", ["", "\n", GARBAGE])
def test_dpkg_empty_or_noise_is_unreadable(text):
    # dpkg -l / dpkg-query never print nothing; exit status 1 with no message is damage, not "none installed".
    with pytest.raises(UnreadableOutput):
        parse_dpkg(text)


def test_daemon_json_cut_or_noise_is_unreadable():
    text = '{\n    "runtimes": {\n        "nvidia": {\n            "path": "nvidia-container-runtime"\n        }\n    }\n}\n'
    for cut in range(1, len(text) - 2):
        with pytest.raises(UnreadableOutput):
            parse_daemon_json(text[:cut])
    with pytest.raises(UnreadableOutput):
        parse_daemon_json(GARBAGE)
