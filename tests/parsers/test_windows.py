"""Tests for parsers.windows over the corpus and the guide's documented outputs."""


import pytest

from damage import RANDOM_TEXT

from wslgpu_certify.parsers.errors import UnreadableOutput
from wslgpu_certify.parsers.windows import (
    FeatureState,
    WindowsBuild,
    WslDistro,
    WslStatus,
    WslVersionInfo,
    parse_code_extensions,
    parse_dism_feature_info,
    parse_ver,
    parse_wsl_list,
    parse_wsl_list_verbose,
    parse_wsl_status,
    parse_wsl_version,
)


@pytest.mark.parametrize(
    "name, expected",
    [
        ("winver__ver-20201-expected-reference-guide.txt", WindowsBuild(10, 0, 20201, 1000)),
        ("winver__19041-508-non-insider-with-4.19.128.txt", WindowsBuild(10, 0, 19041, 508)),
        ("wsl-cli__zh-ver-18362-wsl-l-v-unsupported.txt", WindowsBuild(10, 0, 18362, 207)),
    ],
)
def test_parse_ver_corpus(corpus_text, name, expected):
    assert parse_ver(corpus_text(name)) == expected


@pytest.mark.parametrize(
    "name",
    [
        # .NET/PowerShell OSVersion is not `ver` output (and .NET's is shimmed to 6.2.9200).
        "winver__dotnet-osversion-reports-6.2.9200-on-win10.txt",
        "winver__powershell-osversion-table-insider-20170.txt",
    ],
)
def test_parse_ver_rejects_other_version_sources(corpus_text, name):
    with pytest.raises(UnreadableOutput):
        parse_ver(corpus_text(name))


def test_parse_ver_guide_literal_with_nuls_and_crlf():
    text = "\r\nMicrosoft Windows [Version 10.0.20201.1000]\r\n"
    utf16_mangled = "\x00".join(text)
    build = parse_ver(utf16_mangled)
    assert build == WindowsBuild(10, 0, 20201, 1000)
    assert str(build) == "10.0.20201.1000"


def test_parse_ver_without_revision():
    assert parse_ver("Microsoft Windows [Version 10.0.19041]") == WindowsBuild(10, 0, 19041, None)


@pytest.mark.parametrize("text", ["", "Microsoft Windows", "'ver' is not recognized"])
def test_parse_ver_malformed(text):
    with pytest.raises(UnreadableOutput):
        parse_ver(text)


DISM_ENABLED = """
Deployment Image Servicing and Management tool
Version: 10.0.20201.1000

Image Version: 10.0.20201.1000

Feature Information:

Feature Name : VirtualMachinePlatform
Display Name : Virtual Machine Platform
Description : Enables platform support for virtual machines
Restart Required : Possible
State : Enabled

Custom Properties:

(No custom properties found)

The operation completed successfully.
"""

DISM_ELEVATION = """
Deployment Image Servicing and Management tool
Version: 10.0.20201.1000


Error: 740

Elevated permissions are required to run DISM.
Use an elevated command prompt to complete these tasks.
"""

DISM_UNKNOWN = """
Deployment Image Servicing and Management tool
Version: 10.0.20201.1000

Image Version: 10.0.20201.1000


Error: 0x800f080c

Feature name Foo is unknown.
A Windows feature name was not recognized.
"""


def test_dism_enabled():
    assert parse_dism_feature_info(DISM_ENABLED, "VirtualMachinePlatform") == FeatureState(
        "VirtualMachinePlatform", "Enabled", False
    )


def test_dism_disabled_crlf():
    state = parse_dism_feature_info(DISM_ENABLED.replace("Enabled\n", "Disabled\n").replace("\n", "\r\n"), "X")
    assert state.state == "Disabled"


def test_dism_needs_elevation():
    state = parse_dism_feature_info(DISM_ELEVATION, "Microsoft-Windows-Subsystem-Linux")
    assert state.state is None and state.needs_elevation


def test_dism_unknown_feature_is_an_error_not_a_state():
    state = parse_dism_feature_info(DISM_UNKNOWN, "Foo")
    assert state.state is None and not state.needs_elevation
    assert "0x800f080c" in state.error and "unknown" in state.error


def test_dism_malformed():
    with pytest.raises(UnreadableOutput):
        parse_dism_feature_info("Deployment Image Servicing and Management tool\n", "Foo")


def test_wsl_status_corpus(corpus_text):
    status = parse_wsl_status(corpus_text("wsl-cli__status-default-v2-but-distro-still-wsl1.txt"))
    assert status == WslStatus("Ubuntu-20.04", 2, "5.10.102.1")


def test_wsl_status_modern_without_kernel_line():
    assert parse_wsl_status("Default Distribution: Ubuntu\r\nDefault Version: 2\r\n") == WslStatus("Ubuntu", 2, None)


@pytest.mark.parametrize(
    "name",
    ["wsl-cli__set-default-version-2-kernel-update-required.txt", "wsl-cli__version-2.4.8-healthy.txt"],
)
def test_wsl_status_unreadable(corpus_text, name):
    with pytest.raises(UnreadableOutput):
        parse_wsl_status(corpus_text(name))


@pytest.mark.parametrize(
    "name, expected",
    [
        (
            "wsl-cli__list-verbose-healthy-ubuntu-running-v2.txt",
            [WslDistro("Ubuntu", "Running", 2, True)],
        ),
        (
            "wsl-cli__list-verbose-ubuntu-plus-docker-desktop-distros.txt",
            [
                WslDistro("Ubuntu", "Running", 2, True),
                WslDistro("docker-desktop", "Running", 2, False),
                WslDistro("docker-desktop-data", "Running", 2, False),
            ],
        ),
        (
            "wsl-cli__list-verbose-ubuntu-stuck-on-version-1.txt",
            [WslDistro("Ubuntu", "Stopped", 1, False)],
        ),
    ],
)
def test_wsl_list_verbose_corpus(corpus_text, name, expected):
    assert parse_wsl_list_verbose(corpus_text(name)) == expected


def test_wsl_list_verbose_stops_at_next_prompt():
    text = "  NAME      STATE           VERSION\n* Ubuntu    Stopped         2\n\nPS C:\\> wsl --status\nDefault Version: 2\n"
    assert parse_wsl_list_verbose(text) == [WslDistro("Ubuntu", "Stopped", 2, True)]


def test_wsl_list_verbose_no_distros():
    assert parse_wsl_list_verbose("Windows Subsystem for Linux has no installed distributions.\n") == []


def test_wsl_list_verbose_old_build_prints_usage(corpus_text):
    with pytest.raises(UnreadableOutput):
        parse_wsl_list_verbose(corpus_text("wsl-cli__zh-ver-18362-wsl-l-v-unsupported.txt"))


def test_wsl_list_zh_corpus(corpus_text):
    assert parse_wsl_list(corpus_text("wsl-cli__zh-ver-18362-wsl-l-v-unsupported.txt")) == ["Ubuntu-18.04", "Ubuntu"]


def test_wsl_list_english_with_imported_distro():
    text = "Windows Subsystem for Linux Distributions:\r\nUbuntu (Default)\r\nubuntu_gpu\r\n"
    assert parse_wsl_list(text) == ["Ubuntu", "ubuntu_gpu"]


def test_wsl_list_quiet_has_no_title():
    assert parse_wsl_list("Ubuntu\nubuntu_gpu\n") == ["Ubuntu", "ubuntu_gpu"]


def test_wsl_list_malformed(corpus_text):
    with pytest.raises(UnreadableOutput):
        parse_wsl_list(corpus_text("wsl-cli__set-default-version-2-kernel-update-required.txt"))


DXCORE_2022 = "10.0.25131.1002-220531-1700.rs-onecore-base2-hyp"


@pytest.mark.parametrize(
    "name, expected",
    [
        (
            "wsl-cli__version-2.4.8-healthy.txt",
            WslVersionInfo("2.4.8.0", "5.15.167.4-1", "10.0.22635.4800", True, "1.0.65", "1.2.5716", "1.611.1-81528511",
                           "10.0.26100.1-240331-1435.ge-release"),
        ),
        (
            "docker-gpu-run__healthy-pytorch-nvidia-smi-in-container-wsl-1.2.2.txt",
            WslVersionInfo("1.2.2.0", "5.15.90.1", "10.0.25342.1001", True, "1.0.51", "1.2.3770", "1.608.2-61064218", DXCORE_2022),
        ),
        (
            # `wsl --status` precedes it: its "Default Version: 2" is not the kernel's version.
            "wsl-cli__status-and-version-1.1.2-healthy.txt",
            WslVersionInfo("1.1.2.0", "5.15.83.1", "10.0.19045.2546", True, "1.0.49", "1.2.3770", "1.608.2-61064218", DXCORE_2022),
        ),
        (
            # Chinese labels, full-width colons, "Windows版本" without a space (microsoft/WSL#9640).
            "nvidia-smi__wsl-from-powershell-driver-not-loaded-wsl-1.0.3-zh.txt",
            WslVersionInfo("1.0.3.0", "5.15.79.1", "10.0.22621.1105", True, "1.0.47", "1.2.3575", "1.606.4", DXCORE_2022),
        ),
    ],
)
def test_wsl_version_corpus(corpus_text, name, expected):
    assert parse_wsl_version(corpus_text(name)) == expected


# Spanish labels, https://github.com/microsoft/WSL/issues/10671 (WSL 2.0.5).
WSL_VERSION_ES = """\
Versión de WSL: 2.0.5.0
Versión de kernel: 5.15.133.1-1
Versión de WSLg: 1.0.59
Versión de MSRDC: 1.2.4485
Versión de Direct3D: 1.608.2-61064218
Versión DXCore: 10.0.25880.1000-230602-1350.main
Versión de Windows: 10.0.25951.1000
"""


def test_wsl_version_spanish_labels_utf16_mangled():
    text = "\ufeff" + "\x00".join(WSL_VERSION_ES.replace("\n", "\r\n"))  # UTF-16LE read as bytes-with-NULs
    info = parse_wsl_version(text)
    assert (info.wsl_version, info.kernel_version, info.windows_version, info.store) == (
        "2.0.5.0", "5.15.133.1-1", "10.0.25951.1000", True
    )
    assert info.dxcore_version == "10.0.25880.1000-230602-1350.main"


def test_wsl_version_chinese_labels():
    text = "WSL 版本: 2.0.14.0\n内核版本: 5.15.133.1-1\nWSLg 版本: 1.0.59\nWindows 版本: 10.0.19045.3693\n"
    assert parse_wsl_version(text) == WslVersionInfo("2.0.14.0", "5.15.133.1-1", "10.0.19045.3693", True, "1.0.59")


# The inbox wsl.exe's answer, https://github.com/microsoft/WSL/issues/10975 (Windows 10 19045) and
# https://github.com/MicrosoftDocs/WSL/issues/1679.
INBOX_ANSWER = """\
Invalid command line option: --version
Copyright (c) Microsoft Corporation. All rights reserved.

Usage: wsl.exe [Argument] [Options...] [CommandLine]

Arguments for running Linux binaries:
"""


@pytest.mark.parametrize(
    "text",
    [
        INBOX_ANSWER,
        INBOX_ANSWER.split("\n")[0] + "\n",  # first line only (https://github.com/MicrosoftDocs/WSL/issues/2001)
        "\x00".join(INBOX_ANSWER.replace("\n", "\r\n")),
    ],
)
def test_wsl_version_inbox_answer(text):
    assert parse_wsl_version(text) == WslVersionInfo(None, None, None, store=False)


def test_wsl_version_inbox_answer_the_suite_ran_must_be_whole():
    """A paste may hold the first line alone; a command the suite ran itself is vouched for only whole."""
    assert parse_wsl_version(INBOX_ANSWER, whole_answer=True).store is False
    for cut in (INBOX_ANSWER.split("\n")[0] + "\n", INBOX_ANSWER[: len(INBOX_ANSWER) // 2]):
        with pytest.raises(UnreadableOutput):
            parse_wsl_version(cut, whole_answer=True)


def test_wsl_version_inbox_answer_localised_corpus(corpus_text):
    # Build 18362's Chinese inbox wsl.exe refusing -v, Store WSL's short form of --version (microsoft/WSL#4258).
    info = parse_wsl_version(corpus_text("wsl-cli__zh-ver-18362-wsl-l-v-unsupported.txt"))
    assert info.store is False and info.wsl_version is None


@pytest.mark.parametrize(
    "text",
    [
        WSL_VERSION_ES[: len(WSL_VERSION_ES) // 2],  # lost its Windows version line
        "",
        bytes(range(256)).decode("latin-1") * 3,
        "Invalid command line option: --set-version\n",  # another option refused: says nothing of --version
    ],
)
def test_wsl_version_refuses(text):
    with pytest.raises(UnreadableOutput):
        parse_wsl_version(text)


def test_wsl_version_unreadable_corpus(corpus_text):
    with pytest.raises(UnreadableOutput):
        parse_wsl_version(corpus_text("wsl-cli__set-default-version-2-kernel-update-required.txt"))


def test_code_extensions():
    text = "ms-vscode-remote.remote-wsl\r\n\r\nMS-Azuretools.VSCode-Docker\r\nms-python.python@2020.9.114305\r\n"
    assert parse_code_extensions(text) == [
        "ms-vscode-remote.remote-wsl",
        "ms-azuretools.vscode-docker",
        "ms-python.python",
    ]


def test_code_extensions_none_installed():
    assert parse_code_extensions("\n") == []


def test_code_extensions_not_installed():
    with pytest.raises(UnreadableOutput):
        parse_code_extensions("'code' is not recognized as an internal or external command,\noperable program or batch file.")


# ---- damaged output: what a complete output looks like, and what is refused


GARBAGE = RANDOM_TEXT


def utf16_crlf(text: str) -> str:
    """wsl.exe/cmd.exe output: CRLF line ends, UTF-16 decoded as UTF-8 (a NUL after each character)."""
    return "\x00".join(text.replace("\n", "\r\n"))


VER = "\nMicrosoft Windows [Version 10.0.20201.1000]\n"  # setup-guide §3.1


def test_ver_every_cut_before_the_bracket_closes_is_unreadable():
    end = VER.index("]") + 1
    for cut in range(0, end):
        with pytest.raises(UnreadableOutput):
            parse_ver(VER[:cut])
    assert parse_ver(utf16_crlf(VER[:end])) == WindowsBuild(10, 0, 20201, 1000)


@pytest.mark.parametrize("text", [GARBAGE, "[Version 10.0.7]", "[Version 99.0.20201.1000]"])
def test_ver_noise_or_implausible_version_is_unreadable(text):
    with pytest.raises(UnreadableOutput):
        parse_ver(text)


def test_dism_every_cut_before_the_state_is_whole_is_unreadable():
    end = DISM_ENABLED.index("State : Enabled") + len("State : Enabled")
    for cut in range(0, end):
        with pytest.raises(UnreadableOutput):
            parse_dism_feature_info(DISM_ENABLED[:cut], "VirtualMachinePlatform")
    assert parse_dism_feature_info(utf16_crlf(DISM_ENABLED), "VirtualMachinePlatform").state == "Enabled"


@pytest.mark.parametrize("state", ["Disabled", "Enable Pending", "Disabled with Payload Removed"])
def test_dism_other_documented_states(state):
    text = DISM_ENABLED.replace("State : Enabled", f"State : {state}")
    assert parse_dism_feature_info(text, "VirtualMachinePlatform").state == state


def test_dism_garbage_is_unreadable():
    with pytest.raises(UnreadableOutput):
        parse_dism_feature_info(GARBAGE, "VirtualMachinePlatform")


# The inbox wsl.exe's `wsl --status` (https://github.com/microsoft/WSL/issues/8690).
STATUS_INBOX = """\
Default Distribution: Ubuntu
Default Version: 2

Windows Subsystem for Linux was last updated on 11/20/2020
WSL automatic updates are on.

Kernel version: 4.19.128
"""


def test_wsl_status_inbox_form_reads_in_every_encoding():
    assert parse_wsl_status(utf16_crlf(STATUS_INBOX)) == WslStatus("Ubuntu", 2, "4.19.128")


def test_wsl_status_every_cut_is_unreadable_but_the_store_forms_end():
    version_end = STATUS_INBOX.index("Default Version: 2") + len("Default Version: 2")
    goes_on = STATUS_INBOX.index("Windows Subsystem")
    kernel = STATUS_INBOX.index("Kernel version: 4") + len("Kernel version: 4")
    for cut in list(range(0, version_end)) + list(range(goes_on + 1, kernel)):
        with pytest.raises(UnreadableOutput):
            parse_wsl_status(STATUS_INBOX[:cut])
    # Cut right after "Default Version: 2" it is what the Store wsl.exe prints whole: that is read.
    assert parse_wsl_status(STATUS_INBOX[:version_end + 1]) == WslStatus("Ubuntu", 2, None)


def test_wsl_status_without_kernel_points_to_the_kernel_update():
    text = "Default Version: 2\n\nThe WSL 2 kernel file is not found. To update or restore the kernel please run 'wsl --update'. https://aka.ms/wsl2kernel\n"
    assert parse_wsl_status(text) == WslStatus(None, 2, None)


@pytest.mark.parametrize("text", [GARBAGE, "Default Distribution: Ubuntu\nDefault Version: 7\n"])
def test_wsl_status_noise_or_impossible_version_is_unreadable(text):
    with pytest.raises(UnreadableOutput):
        parse_wsl_status(text)


LIST_VERBOSE = "  NAME      STATE           VERSION\n* Ubuntu    Running         2\n"  # wsl-cli__list-verbose-healthy-*


def test_wsl_list_verbose_every_cut_is_unreadable():
    for cut in range(0, len(LIST_VERBOSE) - 1):
        with pytest.raises(UnreadableOutput):
            parse_wsl_list_verbose(LIST_VERBOSE[:cut])
    assert parse_wsl_list_verbose(utf16_crlf(LIST_VERBOSE)) == [WslDistro("Ubuntu", "Running", 2, True)]


def test_wsl_list_verbose_implausible_rows_are_unreadable():
    rows = "".join(f"  distro{i}    Stopped         2\n" for i in range(1000))
    with pytest.raises(UnreadableOutput, match="not plausible"):
        parse_wsl_list_verbose(LIST_VERBOSE + rows)
    with pytest.raises(UnreadableOutput):
        parse_wsl_list_verbose("  NAME      STATE           VERSION\n* Ubuntu    Running         9\n")
    with pytest.raises(UnreadableOutput):
        parse_wsl_list_verbose(GARBAGE)


def test_wsl_list_cut_title_or_noise_is_unreadable():
    text = "Windows Subsystem for Linux Distributions:\nUbuntu (Default)\n"
    # (cut inside its first word, the title reads as the quiet form's one distro named "Windows")
    for cut in range(text.index(" ") + 2, text.index(":")):
        with pytest.raises(UnreadableOutput):
            parse_wsl_list(text[:cut])
    assert parse_wsl_list(utf16_crlf(text)) == ["Ubuntu"]
    with pytest.raises(UnreadableOutput):
        parse_wsl_list(GARBAGE)


def test_code_extensions_noise_is_unreadable():
    assert parse_code_extensions("") == []  # no extension installed: `code` prints nothing
    with pytest.raises(UnreadableOutput):
        parse_code_extensions(GARBAGE)
