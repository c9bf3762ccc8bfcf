"""The last-mile family rows (issue 19): WSL's two configuration files, WSL Settings' empty networkingMode, Windows
builds without GPU paravirtualisation, WSL codes whose cause is their context, and a `python -c` GPU probe.

Each row is shown with several differently-worded members (it names them) and near misses (it does not)."""

from __future__ import annotations

import pytest

from wslgpu_certify.diagnose.diagnosis import diagnose
from wslgpu_certify.profile import load_profile
from wslgpu_certify.signatures.families import messages
from wslgpu_certify.signatures.families import wsl as family_wsl


def message_ids(text: str) -> set[str]:
    return {m.id for m in messages.decode(text)}


# --- a key in the wrong configuration file ------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    r"wsl: Unknown key 'boot.systemd' in C:\Users\root\.wslconfig:2",
    r"wsl: Unknown key 'interop.appendWindowsPath' in C:\Users\A B\.wslconfig:9",
    r"Unknown key 'automount.root' in D:\home\me\.wslconfig:14",
    r"wsl: Unknown key 'user.default' in C:\Users\x\.wslconfig:3",
    r"wsl: Unknown key 'network.hostname' in C:\Users\x\.wslconfig:5",
    "wsl: C:\\Users\\peili\\.wslconfig:2 中的未知密钥 'boot.systemd'",
])
def test_a_distro_key_in_wslconfig_is_named(text):
    assert "family.wsl-config.distro-key-in-wslconfig" in message_ids(text)


@pytest.mark.parametrize("text", [
    "wsl: Unknown key 'wsl2.memory' in /etc/wsl.conf:12",
    "wsl: Unknown key 'wsl2.networkingMode' in /etc/wsl.conf:13",
    "wsl: Unknown key 'experimental.autoMemoryReclaim' in /etc/wsl.conf:4",
    "wsl: /etc/wsl.conf:7 中的未知密钥 'wsl2.processors'",
])
def test_a_vm_key_in_wsl_conf_is_named(text):
    assert "family.wsl-config.vm-key-in-wsl-conf" in message_ids(text)


@pytest.mark.parametrize("text", [
    r"wsl: Unknown key 'wsl2.gpuSupport' in C:\Users\x\.wslconfig:3",  # a VM key WSL does not know: a typo, a note
    "wsl: Unknown key 'boot.systemd' in /etc/wsl.conf:2",  # the right file
    "[boot]\nsystemd=true",  # the file itself
    r"# Unknown key 'boot.systemd' in C:\Users\x\.wslconfig was a warning we saw last year",  # no, a comment: still
])
def test_a_key_in_its_own_file_is_not_the_wrong_file(text):
    ids = message_ids(text)
    if text.startswith("#"):  # words quoted in another line still name the row: the pattern reads the words
        assert "family.wsl-config.distro-key-in-wslconfig" in ids
        return
    assert not ids & {"family.wsl-config.distro-key-in-wslconfig", "family.wsl-config.vm-key-in-wsl-conf"}


# --- WSL Settings' empty networkingMode ---------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    r"wsl: Invalid value '' for config key 'wsl2.networkingMode' in C:\Users\elsac\.wslconfig:7 (Valid values: mirrored, nat, none, virtioproxy)",
    r"Invalid value '' for config key 'wsl2.networkingMode' in D:\u\.wslconfig:12 (Valid values: Mirrored, NAT, None)",
])
def test_an_empty_networking_mode_is_named_with_its_release(text):
    found = [m for m in messages.decode(text) if m.id == "family.wsl-config.empty-networking-mode"]
    assert found and "2.5.6" in found[0].signature.cause


@pytest.mark.parametrize("text", [
    r"wsl: Invalid value 'bridged' for config key 'wsl2.networkingMode' in C:\Users\x\.wslconfig:3 (Valid values: mirrored, nat, none)",
    r"wsl: Invalid value '' for config key 'wsl2.memory' in C:\Users\x\.wslconfig:3",
])
def test_another_invalid_value_is_not_the_settings_bug(text):
    assert "family.wsl-config.empty-networking-mode" not in message_ids(text)


# --- Windows builds without GPU paravirtualisation (the family row, from Microsoft's documentation) ---------------

@pytest.mark.parametrize("text", [
    "Microsoft Windows [Version 10.0.19041.508]",
    " Microsoft Windows [Version 10.0.19043.1288]",
    "Microsoft Windows [版本 10.0.18362.207]",
    "Microsoft Windows [Versión 10.0.19042.630]",
    "Microsoft Windows NT 10.0.17763.0",
])
def test_a_build_before_21h2_has_no_gpu_pv(text):
    assert "family.windows.build-without-gpu-pv" in message_ids(text)


@pytest.mark.parametrize("text", [
    "Microsoft Windows [Version 10.0.19044.1466]",
    "Microsoft Windows [Version 10.0.19045.5679]",
    "Microsoft Windows [Version 10.0.20150.1000]",
    "Microsoft Windows [Version 10.0.22631.3880]",
    "Windows version: 10.0.26100.2454",
])
def test_a_build_with_gpu_pv_is_not_named(text):
    assert "family.windows.build-without-gpu-pv" not in message_ids(text)


# --- WSL codes whose cause is their context -------------------------------------------------------------------------

def causes_of(text: str) -> list[str]:
    return [m.signature.cause for m in family_wsl.decode(text)]


@pytest.mark.parametrize("text", [
    "Error code: Wsl/Service/CreateInstance/HCS_E_CONNECTION_TIMEOUT",
    "Catastrophic failure\nError code: Wsl/Service/E_UNEXPECTED",
    "Schwerwiegender Fehler\nFehlercode: Wsl/Service/E_UNEXPECTED",
    "Error code: Wsl/Service/CreateInstance/0x8000ffff",
])
def test_a_distro_that_did_not_come_up_points_at_its_disk(text):
    assert any("ext4.vhdx" in cause for cause in causes_of(text))


@pytest.mark.parametrize("text", [
    "Error code: Wsl/Service/CreateInstance/CreateVm/HCS_E_CONNECTION_TIMEOUT",  # the VM itself: the plain row
    "Error code: Wsl/Service/CreateInstance/MountVhd/HCS/0x80070570",
    "Error code: Wsl/Service/RegisterDistro/E_UNEXPECTED",
    "Error code: Wsl/UpdatePackage/E_UNEXPECTED",
])
def test_a_code_with_a_more_specific_context_is_not_the_disk_row(text):
    assert not any("names no more specific step" in cause for cause in causes_of(text))


@pytest.mark.parametrize("text", [
    "Error code: Wsl/Service/CreateInstance/CreateVm/ConfigureNetworking/0x8000ffff",
    "Failed to configure network (networkingMode Nat).\nError code: Wsl/Service/CreateInstance/CreateVm/ConfigureNetworking/HNS/0x803b0001",
    "Error code: Wsl/Service/CreateInstance/CreateVm/ConfigureNetworking/0x8037010d",
    "Código de error: Wsl/Service/CreateInstance/CreateVm/ConfigureNetworking/HNS/0x80070424",
])
def test_a_code_in_configure_networking_names_the_wslconfig_lines(text):
    assert any(".wslconfig" in cause and "Host Network Service" in cause for cause in causes_of(text))


@pytest.mark.parametrize("text", [
    "Error code: Wsl/Service/CreateInstance/CreateVm/HCS/E_INVALIDARG",
    "Error code: Wsl/Service/AttachDisk/E_INVALIDARG",
])
def test_a_code_outside_configure_networking_is_not_the_network_row(text):
    assert not any("Host Network Service" in cause for cause in causes_of(text))


# --- a `python -c` GPU probe, as a shell prompt shows it -------------------------------------------------------------

PROFILE = load_profile("current")


@pytest.mark.parametrize("command", [
    'python -c "import torch; print(torch.cuda.is_available())"',
    "python3 -c 'import torch; print(torch.cuda.is_available())'",
    'python -c "import torch; print(torch.cuda.device_count())"',
    "python3 -c 'import tensorflow as tf; print(tf.config.list_physical_devices(\"GPU\"))'",
])
@pytest.mark.parametrize("answer, finding", [("False", True), ("0", True), ("[]", True), ("True", False), ("1", False),
                                             ("[PhysicalDevice(name='/physical_device:GPU:0', device_type='GPU')]", False)])
def test_a_python_c_probe_answering_no_gpu_is_a_finding(command, answer, finding):
    paste = f"root@0c2c6f58df4f:/usr/bin# {command}\n{answer}\nroot@0c2c6f58df4f:/usr/bin# \n"
    ids = {f.id for f in diagnose(paste, PROFILE).findings}
    assert ("gpu.cuda.smoke" in ids) is finding, ids


# --- the docker client's words since Docker 28: no daemon behind the socket -----------------------------------------

@pytest.mark.parametrize("text", [
    "failed to connect to the docker API at unix:///var/run/docker.sock; check if the path is correct and if the daemon "
    "is running: dial unix /var/run/docker.sock: connect: no such file or directory",
    "Server:\nfailed to connect to the docker API at unix:///var/run/docker.sock; check if the path is correct and if "
    "the daemon is running: dial unix /var/run/docker.sock: connect: connection refused",
    "failed to connect to the docker API at unix:///home/me/.docker/desktop/docker.sock; check if the path is correct "
    "and if the daemon is running: dial unix /home/me/.docker/desktop/docker.sock: connect: no such file or directory",
])
def test_no_daemon_in_the_new_wording_is_named(text):
    ids = message_ids(text)
    assert {"family.docker-client.daemon-unreachable", "family.docker-client.desktop-unreachable"} <= ids, ids


@pytest.mark.parametrize("text", [
    "failed to connect to the docker API at unix:///var/run/docker.sock; check if the path is correct and if the daemon "
    "is running: dial unix /var/run/docker.sock: connect: permission denied",  # a socket that refuses the user
    "failed to connect to the docker API at npipe:////./pipe/dockerDesktopLinuxEngine; check if the path is correct "
    "and if the daemon is running: open //./pipe/dockerDesktopLinuxEngine: The system cannot find the file specified.",
])
def test_a_refused_socket_or_windows_pipe_is_not_no_daemon(text):
    assert not message_ids(text) & {"family.docker-client.daemon-unreachable", "family.docker-client.desktop-unreachable"}


# --- two parts together: the kernel WSL installed is not the kernel the distro runs (a .wslconfig kernel=) ---------

WSL_STATUS = "PS C:\\> wsl --status\nDefault Distribution: Ubuntu\nDefault Version: 2\nKernel version: {k}\n"
WSL_VERSION = ("PS C:\\> wsl --version\nWSL version: 2.3.26.0\nKernel version: {k}\nWSLg version: 1.0.65\n"
               "Windows version: 10.0.22631.4460\n")
PROC_VERSION = ("me@pc:~$ cat /proc/version\nLinux version {r} (jkp@DESKTOP-X) (gcc version 7.5.0) #5 SMP Mon Jun 15 "
                "23:43:17 CEST 2020\n")


@pytest.mark.parametrize("windows, distro, installed, running", [
    (WSL_STATUS, PROC_VERSION, "5.10.102.1", "4.19.104-microsoft-standard"),
    (WSL_STATUS, PROC_VERSION, "[5.10.102.1](https://5.10.102.1/)", "5.15.68-custom-WSL2"),
    (WSL_VERSION, PROC_VERSION, "5.15.153.1-2", "6.1.21.2-microsoft-standard-WSL2"),
    (WSL_VERSION, PROC_VERSION, "6.6.36.3-1", "5.15.90.1-microsoft-standard-WSL2"),
])
def test_a_kernel_other_than_wsls_is_a_kernel_override(windows, distro, installed, running):
    paste = windows.format(k=installed) + distro.format(r=running)
    found = [f for f in diagnose(paste, PROFILE).findings if f.id == "wsl.kernel-override"]
    assert found and ".wslconfig" in found[0].cause and running in found[0].cause


@pytest.mark.parametrize("paste", [
    PROC_VERSION.format(r="5.15.153.1-microsoft-standard-WSL2") + WSL_VERSION.format(k="5.15.153.1-2"),  # one kernel
    WSL_STATUS.format(k="6.6.36.3-1") + PROC_VERSION.format(r="6.6.36.3-microsoft-standard-WSL2"),
    PROC_VERSION.format(r="4.19.104-microsoft-standard"),  # the distro's side alone: nothing to compare
    WSL_VERSION.format(k="5.15.153.1-2"),
    PROC_VERSION.format(r="4.4.0-19041-Microsoft") + WSL_STATUS.format(k="5.10.102.1"),  # WSL 1: no VM kernel at all
])
def test_the_same_kernel_or_one_side_alone_is_no_override(paste):
    assert "wsl.kernel-override" not in {f.id for f in diagnose(paste, PROFILE).findings}


# --- FFmpeg's NVENC/NVDEC loader: the driver's video libraries ------------------------------------------------------

def library_findings(text: str) -> list:
    from wslgpu_certify.signatures.families import libraries
    return libraries.decode(text)[0]  # (findings, notes)


@pytest.mark.parametrize("text, soname", [
    ("[h264_nvenc @ 0x55855d101140] Cannot load libnvidia-encode.so.1\n"
     "[h264_nvenc @ 0x55855d101140] The minimum required Nvidia driver for nvenc is 418.30 or newer", "libnvidia-encode.so.1"),
    ("[hevc_nvenc @ 0x7f00aa] Cannot load libnvidia-encode.so.1", "libnvidia-encode.so.1"),
    ("[h264_cuvid @ 0x5600] Cannot load libnvcuvid.so.1", "libnvcuvid.so.1"),
    ("ffmpeg: [AVHWDeviceContext @ 0x1] Cannot load libnvcuvid.so.1\nError while opening decoder", "libnvcuvid.so.1"),
])
def test_a_missing_video_library_names_its_driver_packages_and_the_video_capability(text, soname):
    found = [m for m in library_findings(text) if soname in m.signature.cause]
    assert found, [m.id for m in library_findings(text)]
    said = " ".join(step.run or step.say for step in found[0].signature.fix)
    assert "NVIDIA_DRIVER_CAPABILITIES" in said and "libnvidia-encode1" in said


@pytest.mark.parametrize("text", [
    "Cannot load configuration from /etc/jellyfin/encoding.xml",
    "[h264_nvenc @ 0x1] OpenEncodeSessionEx failed: unsupported device (2): (no details)",
    "Cannot load libnvidia-encode",  # no soname: a sentence, not the loader's words
])
def test_other_cannot_load_words_are_not_a_video_library(text):
    assert not [m for m in library_findings(text) if "encode/decode" in m.signature.cause]


def test_the_windows_driver_row_still_names_libcuda():
    found = library_findings("OSError: libcuda.so.1: cannot open shared object file: No such file or directory")
    assert found and "/usr/lib/wsl/lib" in found[0].signature.cause
