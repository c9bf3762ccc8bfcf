"""What is read in the distro (role "wsl"): the kernel, the driver libraries, the user's set-up, Docker's CLI.

On a native Linux box (--env=linux) the same commands read that box. Each command string
is also a snapshot key (docs/snapshots.md): change one and recorded snapshots no longer
answer it.
"""

from __future__ import annotations

from ..parsers import (cuda, distro, docker, docker_context, dpkg, gpu, iptables, loader, runs, shell,
                       systemd, toolkit, toolkit_config)
from . import arguments
from .probe import Probe

# ---- the distro
KERNEL = Probe("cat /proc/version", distro.parse_kernel)
DXG_DEVICE = Probe("ls -la /dev/dxg", shell.parse_presence, ok_exit=None, text="both")
WSL_DRIVER_DIR = Probe("ls -l /usr/lib/wsl/lib", distro.parse_ls_names, ok_exit=None, text="both")
LOADER_CACHE = Probe("/sbin/ldconfig -p", shell.parse_ldconfig)
DPKG_NVIDIA = Probe("dpkg -l '*nvidia*'", dpkg.parse_dpkg, ok_exit=(0, 1), text="both")
OS_RELEASE = Probe("cat /etc/os-release", distro.parse_os_release)
USER_GROUPS = Probe("id -nG", distro.parse_groups)
SUDO_DOCKERD = Probe("sudo -n -l /usr/bin/dockerd", distro.parse_sudo_list_command, ok_exit=None, text="both")
BASHRC = Probe("cat ~/.bashrc", distro.parse_bashrc_autostart, ok_exit=None)
SYSTEMD_DOCKER = Probe("systemctl is-enabled docker", distro.parse_systemctl_is_enabled, ok_exit=None, text="both")
DOCKERD_PROCESSES = Probe("pgrep -a dockerd", shell.parse_pgrep, ok_exit=(0, 1))
WSL_NVIDIA_SMI = Probe("/usr/lib/wsl/lib/nvidia-smi", gpu.parse_nvidia_smi, ok_exit=None, text="both")
# The same listing as WSL_DRIVER_DIR (one command, read once), read for kinds: copies or symlinks.
WSL_LIB_LISTING = Probe(WSL_DRIVER_DIR.command, loader.parse_ls_wsl_lib, ok_exit=None, text="both")
# What a data scientist's own Python does first: the driver API through ctypes, no CUDA toolkit, no container
# (parsers/cuda.py reads its lines). One line for `sh -c`: no braces (placeholders), no $.
CUDA_SMOKE = Probe(
    "python3 -c \"import ctypes as C,sys;l=C.CDLL('libcuda.so.1');r=l.cuInit(0);print('cuInit',r);r and sys.exit();"
    "v=C.c_int(0);r=l.cuDriverGetVersion(C.byref(v));print('cuDriverGetVersion',r,v.value);r and sys.exit();"
    "n=C.c_int(0);r=l.cuDeviceGetCount(C.byref(n));print('cuDeviceGetCount',r,n.value);r and sys.exit();"
    "b=C.create_string_buffer(256);d=C.c_int(0);"
    "[print('device',i,l.cuDeviceGet(C.byref(d),i) or l.cuDeviceGetName(b,256,d),b.value.decode(errors='replace'))"
    " for i in range(n.value)];print('done')\"",
    cuda.parse_cuda_smoke, ok_exit=None, text="both", label="CUDA smoke test (cuInit through ctypes)")

# ---- Docker in the distro
DOCKER_VERSION = Probe("docker version", docker.parse_docker_version, ok_exit=None, text="both")
DOCKER_INFO = Probe("docker info", docker.parse_docker_info, ok_exit=None, text="both")
DOCKER_CONTEXT = Probe("docker context show", docker_context.parse_docker_context_show, ok_exit=None, text="both")
APT_LIST = Probe("cat /etc/apt/sources.list.d/{name}", distro.parse_apt_list, ok_exit=None, text="both",
                 args={"name": arguments.APT_LIST})
NVIDIA_PACKAGES = Probe(
    "dpkg-query -W -f='${Package}\\t${Version}\\t${db:Status-Abbrev}\\n' "
    "nvidia-docker2 nvidia-container-toolkit libnvidia-container1 libnvidia-container-tools",
    dpkg.parse_dpkg, ok_exit=(0, 1), text="both")
DAEMON_JSON = Probe("cat /etc/docker/daemon.json", docker.parse_daemon_json, ok_exit=None)
IMAGE_ID = Probe("docker image inspect --format '{{.Id}}' {image}", shell.parse_presence, ok_exit=None, text="both",
                 args={"image": arguments.IMAGE})
# --pull only: the guide's images are several GB
IMAGE_PULL = Probe("docker pull {image}", lambda text: text, text="both", label="docker pull", timeout=1800,
                   args={"image": arguments.IMAGE})

# ---- GPU
NBODY = Probe("docker run --rm --gpus all {image} nbody -gpu -benchmark", runs.parse_nbody_run, ok_exit=None, text="both",
              args={"image": arguments.IMAGE})

# ---- today's machines: the toolkit's own view (docs/modern-formats.md §1)
# NVIDIA's issue template asks for `-d /dev/tty`; /dev/stdout gives the same debug log without a terminal.
CONTAINER_CLI_INFO = Probe("nvidia-container-cli -k -d /dev/stdout info", toolkit.parse_container_cli_info,
                           ok_exit=None, text="both", label="what the NVIDIA Container Toolkit sees")
NVIDIA_CTK_VERSION = Probe("nvidia-ctk --version", toolkit.parse_toolkit_version)
RUNTIME_CONFIG = Probe("cat /etc/nvidia-container-runtime/config.toml", toolkit_config.parse_runtime_config_file,
                       ok_exit=(0, 1), text="both")
CDI_LIST = Probe("nvidia-ctk cdi list", toolkit_config.parse_cdi_list, ok_exit=(0,), text="both")  # the count is logged on stderr

# ---- today's machines: dockerd under systemd (docs/modern-formats.md §2)
WSL_CONF = Probe("cat /etc/wsl.conf", systemd.parse_wsl_conf_file, ok_exit=(0, 1), text="both")
DOCKER_ACTIVE = Probe("systemctl is-active docker", systemd.parse_systemctl_is_active, ok_exit=None, text="both")
# Read only when docker.service is not active; -n: never prompt (a refusal is read as "not permitted").
DOCKER_JOURNAL = Probe("sudo -n journalctl -u docker -n 50 --no-pager", systemd.parse_sudo_docker_journal,
                       ok_exit=None, text="both", label="dockerd's last words (journal)")
IPTABLES_ALTERNATIVE = Probe("update-alternatives --query iptables", iptables.parse_update_alternatives,
                             ok_exit=(0, 2), text="both")

# ---- native Linux (--env=linux): NVIDIA's Linux driver, read as parsers/gpu.py (parse_native_driver) documents. Markers, not
# `ls` errors or "command not found" (which probes/programs.py reads as a program that could not start).
NATIVE_DRIVER = Probe(
    "for p in /dev/nvidiactl /dev/nvidia0 /proc/driver/nvidia/version; do "
    "if [ -e \"$p\" ]; then echo \"present $p\"; else echo \"missing $p\"; fi; done; "
    "if /sbin/ldconfig -p 2>/dev/null | grep -q 'libcuda\\.so\\.1 '; then echo 'present libcuda.so.1'; "
    "else echo 'missing libcuda.so.1'; fi; "
    "if command -v nvidia-smi > /dev/null; then nvidia-smi -L 2>&1; echo \"nvidia-smi exit $?\"; "
    "else echo 'nvidia-smi missing'; fi",
    gpu.parse_native_driver, label="NVIDIA driver (device nodes, libcuda, nvidia-smi -L)")
