"""What is read on the Windows host (role "windows"): cmd.exe, wsl.exe, powershell.exe, dism, nvidia-smi.exe.

Under --env=wsl these run through WSL interop, under --env=windows natively. Each command
string is also a snapshot key (docs/snapshots.md): change one and recorded snapshots no
longer answer it.
"""

from __future__ import annotations

from functools import partial

from ..parsers import distro, docker, gpu, shell, windows, windows_gpu
from .arguments import DISM_FEATURE, DISTRO, WINDOWS_PATH
from .probe import Probe

# ---- Windows host (cmd.exe / wsl.exe / powershell.exe; through interop under --env=wsl)
WINDOWS_VER = Probe("cmd.exe /c ver", windows.parse_ver)
WSL_STATUS = Probe("wsl.exe --status", windows.parse_wsl_status)
WSL_LIST_VERBOSE = Probe("wsl.exe --list --verbose", windows.parse_wsl_list_verbose)
WSL_LIST = Probe("wsl.exe --list", windows.parse_wsl_list)
# Store WSL prints its components; the inbox wsl.exe refuses the option (its answer is read, not an error).
WSL_VERSION = Probe("wsl.exe --version", partial(windows.parse_wsl_version, whole_answer=True), ok_exit=None,
                    text="both")
# A distro name (from wsl -l -v or --distro) goes in bare, as it must run under sh and cmd alike: its grammar
# (arguments.DISTRO) holds only characters neither shell reads.
DISTRO_KERNEL_FROM_WINDOWS = Probe("wsl.exe -d {distro} -- cat /proc/version", distro.parse_kernel,
                                   args={"distro": DISTRO}, quoting="windows")
DISTRO_DEFAULT_USER = Probe("wsl.exe -d {distro} -- id -un", lambda text: text.strip(), args={"distro": DISTRO},
                            quoting="windows")
WINDOWS_NVIDIA_SMI = Probe("nvidia-smi.exe", gpu.parse_nvidia_smi, ok_exit=None, text="both")
# The driver model of each GPU (WDDM, TCC, MCDM); nvidia-smi prints its errors on stdout, the parser refuses them.
WINDOWS_GPU_DRIVER_MODEL = Probe(f"nvidia-smi.exe --query-gpu={windows_gpu.QUERY} --format=csv,noheader",
                                 windows_gpu.parse_query_gpu_driver_model, ok_exit=None, text="both")
EXPORT_FILE = Probe("cmd.exe /c if exist {path} (echo present) else (echo missing)", shell.parse_presence,
                    args={"path": WINDOWS_PATH}, quoting="windows-double-quoted")
# Docker Desktop's engine configuration (Settings > Docker Engine) lives on the Windows side, not in the distro.
DESKTOP_DAEMON_JSON = Probe(
    'cmd.exe /c if exist "%USERPROFILE%\\.docker\\daemon.json" (type "%USERPROFILE%\\.docker\\daemon.json") '
    f'else (echo {docker.NO_DESKTOP_DAEMON_JSON})', docker.parse_desktop_daemon_json)
VSCODE_EXTENSIONS = Probe("cmd.exe /c code --list-extensions", windows.parse_code_extensions)
# --prove-autostart only: stop every distro, then a new interactive login shell (so ~/.bashrc runs)
# of the distro's default user polls for up to 40 s for Docker, never running `service docker start`.
WSL_SHUTDOWN = Probe("wsl.exe --shutdown", lambda text: text, text="both", label="wsl --shutdown")
FRESH_LOGIN_DOCKER = Probe(
    "wsl.exe -d {distro} -e bash -lic \"for i in $(seq 40); do "
    "docker info --format '{{.ServerVersion}}' 2>&1 && exit 0; sleep 1; done; exit 1\"",
    docker.parse_fresh_login, ok_exit=None, text="both", label="a new WSL login shell waiting for Docker",
    args={"distro": DISTRO}, quoting="windows")


def dism_feature(name: str) -> Probe:
    """Read with `read(host, dism_feature(name), feature=name)`: the name is parsed and quoted like any value."""
    return Probe("dism.exe /online /get-featureinfo /featurename:{feature}",
                 partial(windows.parse_dism_feature_info, name=name), ok_exit=None, text="both",
                 args={"feature": DISM_FEATURE}, quoting="windows")
