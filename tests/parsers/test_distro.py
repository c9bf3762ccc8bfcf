"""Tests for parsers.distro over the corpus and the guide's documented outputs."""


import pytest

from damage import RANDOM_TEXT

from wslgpu_certify.parsers.distro import (
    AutostartBlock,
    KernelInfo,
    OsRelease,
    parse_bashrc_autostart,
    parse_groups,
    parse_kernel,
    parse_ls_names,
    parse_os_release,
    parse_sudo_list_command,
    parse_systemctl_is_enabled,
)
from wslgpu_certify.parsers.errors import UnreadableOutput


@pytest.mark.parametrize(
    "name, expected",
    [
        (
            "kernel__proc-version-4.19.128-expected-reference-guide.txt",
            KernelInfo("4.19.128-microsoft-standard", "4.19.128", "wsl2"),
        ),
        (
            "kernel__proc-version-5.15.90.1-wsl2.txt",
            KernelInfo("5.15.90.1-microsoft-standard-WSL2", "5.15.90.1", "wsl2"),
        ),
        # Two uname -a outputs: the WSL 1 one comes first and wins.
        (
            "kernel__uname-a-wsl1-4.4.0-19041-then-wsl2-4.19.84.txt",
            KernelInfo("4.4.0-19041-Microsoft", "4.4.0", "wsl1"),
        ),
        (
            "winver__19041-508-non-insider-with-4.19.128.txt",
            KernelInfo("4.19.128-microsoft-standard", "4.19.128", "wsl2"),
        ),
        (
            "winver__powershell-osversion-table-insider-20170.txt",
            KernelInfo("4.19.121-microsoft-standard", "4.19.121", "wsl2"),
        ),
        # `wsl -- uname -r` after `wsl --status`; "Kernel version: 5.10.102.1" is not the running kernel.
        (
            "wsl-cli__status-default-v2-but-distro-still-wsl1.txt",
            KernelInfo("4.4.0-19041-Microsoft", "4.4.0", "wsl1"),
        ),
    ],
)
def test_parse_kernel_corpus(corpus_text, name, expected):
    assert parse_kernel(corpus_text(name)) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Linux version 4.19.128-microsoft-standard\n", KernelInfo("4.19.128-microsoft-standard", "4.19.128", "wsl2")),
        ("5.15.0-91-generic\n", KernelInfo("5.15.0-91-generic", "5.15.0", "native")),
        ("5.10.16.3-microsoft-standard-WSL2\r\n", KernelInfo("5.10.16.3-microsoft-standard-WSL2", "5.10.16.3", "wsl2")),
    ],
)
def test_parse_kernel_literals(text, expected):
    assert parse_kernel(text) == expected


@pytest.mark.parametrize("name", ["winver__ver-20201-expected-reference-guide.txt"])
def test_parse_kernel_unreadable(corpus_text, name):
    with pytest.raises(UnreadableOutput):
        parse_kernel(corpus_text(name))


def test_parse_kernel_empty():
    with pytest.raises(UnreadableOutput):
        parse_kernel("")


OS_RELEASE_2004 = """NAME="Ubuntu"
VERSION="20.04.1 LTS (Focal Fossa)"
ID=ubuntu
ID_LIKE=debian
PRETTY_NAME="Ubuntu 20.04.1 LTS"
VERSION_ID="20.04"
"""


def test_parse_os_release():
    release = parse_os_release(OS_RELEASE_2004)
    assert release == OsRelease("ubuntu", "20.04", "Ubuntu 20.04.1 LTS")
    assert release.distribution == "ubuntu20.04"


def test_parse_os_release_single_quotes_crlf():
    release = parse_os_release("ID='ubuntu'\r\nVERSION_ID='18.04'\r\n")
    assert release.distribution == "ubuntu18.04" and release.pretty_name is None


def test_parse_os_release_malformed():
    with pytest.raises(UnreadableOutput):
        parse_os_release("cat: /etc/os-release: No such file or directory\n")


def test_parse_groups_id_ng():
    assert parse_groups("<USER> adm sudo docker\n") == ["<USER>", "adm", "sudo", "docker"]


def test_parse_groups_groups_command():
    assert parse_groups("user : user sudo docker\n") == ["user", "sudo", "docker"]


def test_parse_groups_plain_id_corpus(corpus_text):
    groups = parse_groups(corpus_text("docker-gpu-run__permission-denied-docker-sock-root-owned.txt"))
    assert "sudo" in groups and "docker" not in groups
    assert groups[0] == "<USER>" and groups[-1] == "netdev"


def test_parse_groups_no_such_user():
    with pytest.raises(UnreadableOutput):
        parse_groups("id: 'nobody2': no such user\n")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("/usr/bin/dockerd\n", True),
        ("/usr/bin/dockerd --config-file /etc/docker/daemon.json\n", True),
        ("sudo: a password is required\n", False),
        ("Sorry, user <USER> may not run sudo on <HOST>.\n", False),
        ("", False),
    ],
)
def test_parse_sudo_list_command(text, expected):
    assert parse_sudo_list_command(text) is expected


def test_parse_sudo_list_command_other_command():
    assert parse_sudo_list_command("/usr/sbin/service\n", "/usr/sbin/service") is True
    with pytest.raises(UnreadableOutput):
        parse_sudo_list_command("/usr/sbin/service\n")


# The block the guide's echo commands append (setup-guide §3.5).
GUIDE_BASHRC = """# ~/.bashrc: executed by bash(1) for non-login shells.
alias ll='ls -alF'
# Start Docker daemon automatically when logging in if not running.
RUNNING=`ps aux | grep dockerd | grep -v grep`
if [ -z "$RUNNING" ]; then
    sudo dockerd > /dev/null 2>&1 &
    disown
fi
"""


@pytest.mark.parametrize(
    "text, expected",
    [
        (GUIDE_BASHRC, AutostartBlock(True, True, True, True)),
        (GUIDE_BASHRC.replace("    disown\n", ""), AutostartBlock(True, True, True, False)),
        # Runs dockerd in the foreground: would hang the shell.
        (GUIDE_BASHRC.replace("2>&1 &", "2>&1"), AutostartBlock(False, True, False, False)),
        ("if ! pgrep -x dockerd >/dev/null; then sudo -b dockerd; fi\n", AutostartBlock(True, True, True, False)),
        ("".join("# " + line + "\n" for line in GUIDE_BASHRC.splitlines()), AutostartBlock(False, False, False, False)),
        ("alias ll='ls -alF'\n", AutostartBlock(False, False, False, False)),
        # Starts unconditionally: no running check.
        ("sudo dockerd > /dev/null 2>&1 &\ndisown\n", AutostartBlock(False, False, True, False)),
    ],
)
def test_parse_bashrc_autostart(text, expected):
    assert parse_bashrc_autostart(text) == expected


@pytest.mark.parametrize(
    "name, expected",
    [
        (
            "nvidia-smi__ls-usr-lib-wsl-lib-healthy-listing.txt",
            [
                "libcuda.so", "libcuda.so.1", "libcuda.so.1.1", "libcudadebugger.so.1", "libd3d12.so",
                "libd3d12core.so", "libdxcore.so", "libnvcuvid.so", "libnvcuvid.so.1", "libnvdxdlkernels.so",
                "libnvidia-encode.so",
            ],
        ),
        ("nvidia-smi__ls-usr-lib-wsl-lib-no-libcuda-egpu.txt", ["libd3d12.so", "libd3d12core.so", "libdirectml.so", "libdxcore.so"]),
        ("nvidia-smi__dev-dxg-present.txt", ["/dev/dxg"]),
    ],
)
def test_parse_ls_names_corpus(corpus_text, name, expected):
    assert parse_ls_names(corpus_text(name)) == expected


def test_parse_ls_names_symlinks_dots_and_ll_markers():
    text = (
        "total 8\n"
        "drwxr-xr-x 2 root root 4096 Jan  1  2021 .\n"
        "drwxr-xr-x 9 root root 4096 Jan  1  2021 ..\n"
        "lrwxrwxrwx 1 root root   12 May 23 17:27 libcuda.so -> libcuda.so.1\n"
        "srwxr-xr-x 1 root root    0 Dec 23 11:34 docker.sock=\n"
        "-rw-r--r-- 1 root root   88 2024-05-23 17:27 nvidia-docker.list\n"
    )
    assert parse_ls_names(text) == ["libcuda.so", "docker.sock", "nvidia-docker.list"]


def test_parse_ls_names_missing_directory():
    with pytest.raises(UnreadableOutput):
        parse_ls_names("ls: cannot access '/usr/lib/wsl/lib': No such file or directory\n")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("enabled\n", True),
        ("disabled\n", False),
        ("static\n", False),
        ("System has not been booted with systemd as init system (PID 1). Can't operate.\n", False),
    ],
)
def test_parse_systemctl_is_enabled(text, expected):
    assert parse_systemctl_is_enabled(text) is expected


def test_parse_systemctl_is_enabled_garbage():
    with pytest.raises(UnreadableOutput):
        parse_systemctl_is_enabled("bash: systemctl: command not found\n")


# ---- damaged output: what a complete output looks like, and what is refused


GARBAGE = RANDOM_TEXT

# setup-guide §3.2's /proc/version
PROC_VERSION = ("Linux version 4.19.128-microsoft-standard (oe-user@oe-host) (gcc version 8.2.0 (GCC)) "
                "#1 SMP Tue Jun 23 12:58:10 UTC 2020\n")


def test_kernel_reads_in_every_encoding():
    expected = KernelInfo("4.19.128-microsoft-standard", "4.19.128", "wsl2")
    assert parse_kernel(PROC_VERSION) == expected
    assert parse_kernel("\x00".join(PROC_VERSION.replace("\n", "\r\n"))) == expected


def test_kernel_cut_inside_the_release_or_before_the_build_number_is_unreadable():
    release_end = len("Linux version 4.19.128-microsoft-standard")
    builder = PROC_VERSION.index("(oe-user")
    build_number = PROC_VERSION.index("#1") + 2
    # Cut inside the release, "4.19.1" or "4.19.128-microsoft-stan" must not read as a kernel.
    for cut in list(range(0, release_end + 1)) + list(range(builder + 1, build_number)):
        with pytest.raises(UnreadableOutput):
            parse_kernel(PROC_VERSION[:cut])
    assert parse_kernel(PROC_VERSION[:build_number]).release == "4.19.128-microsoft-standard"


def test_kernel_garbage_is_unreadable():
    with pytest.raises(UnreadableOutput):
        parse_kernel(GARBAGE)


def test_os_release_every_cut_through_version_id_is_unreadable():
    end = OS_RELEASE_2004.index('VERSION_ID="20.04"') + len('VERSION_ID="20.04"')
    for cut in range(0, end):
        with pytest.raises(UnreadableOutput):
            parse_os_release(OS_RELEASE_2004[:cut])
    assert parse_os_release("\x00".join(OS_RELEASE_2004.replace("\n", "\r\n"))).distribution == "ubuntu20.04"


def test_os_release_cut_after_version_id_inside_a_line_is_unreadable():
    text = OS_RELEASE_2004 + 'HOME_URL="https://www.ubuntu.com/"\n'
    with pytest.raises(UnreadableOutput):
        parse_os_release(text[:-10])


@pytest.mark.parametrize("text", [GARBAGE, "ID=ubuntu\nVERSION_ID=focal\n"])
def test_os_release_noise_or_no_version_is_unreadable(text):
    with pytest.raises(UnreadableOutput):
        parse_os_release(text)


def test_groups_and_sudo_noise_is_unreadable():
    with pytest.raises(UnreadableOutput):
        parse_groups(GARBAGE)
    with pytest.raises(UnreadableOutput):
        parse_sudo_list_command(GARBAGE)
    with pytest.raises(UnreadableOutput):
        parse_sudo_list_command("/usr/bin/dock")  # cut short: not the command sudo echoes


def test_bashrc_no_cut_reads_as_a_whole_autostart_block():
    # Cut before its `fi`, the block is a bash syntax error: it never runs.
    whole = parse_bashrc_autostart(GUIDE_BASHRC)
    assert whole.present and whole.disowns
    for cut in range(0, GUIDE_BASHRC.rindex("fi")):
        block = parse_bashrc_autostart(GUIDE_BASHRC[:cut])
        assert not (block.present and block.disowns), cut
    assert parse_bashrc_autostart("\x00".join(GUIDE_BASHRC.replace("\n", "\r\n"))) == whole
    with pytest.raises(UnreadableOutput):
        parse_bashrc_autostart(GARBAGE)


LS_LIB = (
    "total 1288\n"
    "-r-xr-xr-x 1 root root 124664 Sep 17 21:18 libcuda.so\n"
    "-r-xr-xr-x 1 root root 589256 Sep 17 21:18 nvidia-smi\n"
)


def test_ls_every_cut_inside_a_row_before_its_name_is_unreadable():
    last = LS_LIB.index("-r-xr-xr-x 1 root root 589256")
    for cut in range(last + 1, LS_LIB.index("nvidia-smi")):
        with pytest.raises(UnreadableOutput):
            parse_ls_names(LS_LIB[:cut])
    assert parse_ls_names("\x00".join(LS_LIB.replace("\n", "\r\n"))) == ["libcuda.so", "nvidia-smi"]
    with pytest.raises(UnreadableOutput):
        parse_ls_names(GARBAGE)


@pytest.mark.parametrize("text", ["enab", "", GARBAGE])
def test_systemctl_cut_empty_or_noise_is_unreadable(text):
    with pytest.raises(UnreadableOutput):
        parse_systemctl_is_enabled(text)


# ---- apt list files (`cat /etc/apt/sources.list.d/NAME`): whole `deb` lines, or a cut-off output
from wslgpu_certify.parsers.distro import parse_apt_list  # noqa: E402

NVIDIA_LIST = ("deb https://nvidia.github.io/libnvidia-container/stable/ubuntu18.04/$(ARCH) /\n"
               "#deb https://nvidia.github.io/libnvidia-container/experimental/ubuntu18.04/$(ARCH) /\n"
               "deb https://nvidia.github.io/nvidia-docker/ubuntu18.04/$(ARCH) /\n")


def test_apt_list_whole_deb_lines():
    parsed = parse_apt_list(NVIDIA_LIST)
    assert len(parsed.deb_lines) == 2 and not parsed.missing and not parsed.unsupported
    assert parse_apt_list("deb [signed-by=/usr/share/keyrings/k.gpg] https://x.example/ubuntu focal main\n").deb_lines


def test_apt_list_missing_and_unsupported():
    assert parse_apt_list("cat: /etc/apt/sources.list.d/nvidia-docker.list: No such file or directory\n").missing
    assert parse_apt_list("# Unsupported distribution!\n# Check https://nvidia.github.io/nvidia-docker").unsupported
    assert parse_apt_list("").deb_lines == ()


@pytest.mark.parametrize("cut", [NVIDIA_LIST[:40], NVIDIA_LIST[: len(NVIDIA_LIST) // 2], NVIDIA_LIST[:-1]])
def test_apt_list_cut_off_is_unreadable(cut):
    with pytest.raises(UnreadableOutput):
        parse_apt_list(cut)
