"""Every fact the suite reads, as data: which command on which host, and its parser.

Checks name these probes; snapshots store their commands verbatim, so a command
string here is also a snapshot key (see docs/snapshots.md).
"""

from __future__ import annotations

from functools import partial

from .parsers import apps, distro, docker, gpu, runs, shell, windows
from .probes import Probe

# ---- Windows host (cmd.exe / wsl.exe / powershell.exe; through interop under --env=wsl)
WINDOWS_VER = Probe("cmd.exe /c ver", windows.parse_ver)
WSL_STATUS = Probe("wsl.exe --status", windows.parse_wsl_status)
WSL_LIST_VERBOSE = Probe("wsl.exe --list --verbose", windows.parse_wsl_list_verbose)
WSL_LIST = Probe("wsl.exe --list", windows.parse_wsl_list)
DISTRO_KERNEL_FROM_WINDOWS = Probe("wsl.exe -d {distro} -- cat /proc/version", distro.parse_kernel)
DISTRO_DEFAULT_USER = Probe("wsl.exe -d {distro} -- id -un", lambda text: text.strip())
WINDOWS_NVIDIA_SMI = Probe("nvidia-smi.exe", gpu.parse_nvidia_smi, ok_exit=None, text="both")
EXPORT_FILE = Probe('cmd.exe /c if exist "{path}" (echo present) else (echo missing)', shell.parse_presence)
VSCODE_EXTENSIONS = Probe("cmd.exe /c code --list-extensions", windows.parse_code_extensions)
# --prove-autostart only: stop every distro, then a new interactive login shell (so ~/.bashrc runs)
# of the distro's default user polls for up to 40 s for Docker, never running `service docker start`.
WSL_SHUTDOWN = Probe("wsl.exe --shutdown", lambda text: text, text="both", label="wsl --shutdown")
FRESH_LOGIN_DOCKER = Probe(
    "wsl.exe -d {distro} -e bash -lic \"for i in $(seq 40); do "
    "docker info --format '{{.ServerVersion}}' 2>&1 && exit 0; sleep 1; done; exit 1\"",
    docker.parse_fresh_login, ok_exit=None, text="both", label="a new WSL login shell waiting for Docker")


def dism_feature(name: str) -> Probe:
    return Probe(f"dism.exe /online /get-featureinfo /featurename:{name}",
                 partial(windows.parse_dism_feature_info, name=name), ok_exit=None, text="both")


# ---- the distro
KERNEL = Probe("cat /proc/version", distro.parse_kernel)
DXG_DEVICE = Probe("ls -la /dev/dxg", shell.parse_presence, ok_exit=None, text="both")
WSL_DRIVER_DIR = Probe("ls -l /usr/lib/wsl/lib", distro.parse_ls_names, ok_exit=None, text="both")
LOADER_CACHE = Probe("/sbin/ldconfig -p", shell.parse_ldconfig)
DPKG_NVIDIA = Probe("dpkg -l '*nvidia*'", docker.parse_dpkg, ok_exit=(0, 1), text="both")
OS_RELEASE = Probe("cat /etc/os-release", distro.parse_os_release)
USER_GROUPS = Probe("id -nG", distro.parse_groups)
SUDO_DOCKERD = Probe("sudo -n -l /usr/bin/dockerd", distro.parse_sudo_list_command, ok_exit=None, text="both")
BASHRC = Probe("cat ~/.bashrc", distro.parse_bashrc_autostart, ok_exit=None)
SYSTEMD_DOCKER = Probe("systemctl is-enabled docker", distro.parse_systemctl_is_enabled, ok_exit=None, text="both")
DOCKERD_PROCESSES = Probe("pgrep -a dockerd", shell.parse_pgrep, ok_exit=(0, 1))
WSL_NVIDIA_SMI = Probe("/usr/lib/wsl/lib/nvidia-smi", gpu.parse_nvidia_smi, ok_exit=None, text="both")

# ---- Docker in the distro
DOCKER_VERSION = Probe("docker version", docker.parse_docker_version, ok_exit=None, text="both")
DOCKER_INFO = Probe("docker info", docker.parse_docker_info, ok_exit=None, text="both")
APT_LIST = Probe("cat /etc/apt/sources.list.d/{name}", lambda text: text, ok_exit=None, text="both")
NVIDIA_PACKAGES = Probe(
    "dpkg-query -W -f='${Package}\\t${Version}\\t${db:Status-Abbrev}\\n' "
    "nvidia-docker2 nvidia-container-toolkit libnvidia-container1 libnvidia-container-tools",
    docker.parse_dpkg, ok_exit=(0, 1), text="both")
DAEMON_JSON = Probe("cat /etc/docker/daemon.json", docker.parse_daemon_json, ok_exit=None)
IMAGE_ID = Probe("docker image inspect --format '{{.Id}}' {image}", shell.parse_presence, ok_exit=None, text="both")
# --pull only: the guide's images are several GB
IMAGE_PULL = Probe("docker pull {image}", lambda text: text, text="both", label="docker pull", timeout=1800)

# ---- GPU
NBODY = Probe("docker run --rm --gpus all {image} nbody -gpu -benchmark", runs.parse_nbody_run, ok_exit=None, text="both")

# ---- inside containers (see containers.py for how they are started)
TF_GPUS = Probe("python3 -c \"import tensorflow as tf; print(tf.config.list_physical_devices('GPU'))\"",
                apps.parse_physical_devices, text="stdout", label="TensorFlow lists its GPUs")
