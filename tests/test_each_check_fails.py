"""Every check not covered by the diagnosis matrix, seen failing on a one-fact mutation of the healthy snapshot.

Each row overrides one or two recorded commands of documented-healthy.json and names the
check that must fail, a phrase of its message and a phrase of its fix.
"""

import json

import pytest

from suite_run import SNAPSHOTS

HEALTHY = json.loads((SNAPSHOTS / "documented-healthy.json").read_text())
NBODY = "docker run --rm --gpus all nvcr.io/nvidia/k8s/cuda-sample:nbody nbody -gpu -benchmark"
SMI = HEALTHY["hosts"]["wsl"]["/usr/lib/wsl/lib/nvidia-smi"]["stdout"]
DOCKER_VERSION = HEALTHY["hosts"]["wsl"]["docker version"]["stdout"]
DOCKER_INFO = HEALTHY["hosts"]["wsl"]["docker info"]["stdout"]


def out(stdout, stderr="", rc=0):
    return {"exit_status": rc, "stdout": stdout, "stderr": stderr}


def dism_disabled(name):
    return out(f"Feature Name : {name}\nState : Disabled\n\nThe operation completed successfully.\n")


SITE_PROFILE = """extends = "documented"
name = "site"
[windows]
export_path = 'C:\\wslbackup\\ubuntu.tar'
imported_distros = ["ubuntu_gpu"]
"""

MUTATIONS = {
    "windows.feature.{feature}": ("windows", {
        "dism.exe /online /get-featureinfo /featurename:Microsoft-Windows-Subsystem-Linux": dism_disabled("Microsoft-Windows-Subsystem-Linux"),
        "dism.exe /online /get-featureinfo /featurename:VirtualMachinePlatform": dism_disabled("VirtualMachinePlatform"),
    }, "is Disabled", "dism.exe /online /enable-feature"),
    "windows.wsl.default_version": ("windows", {"wsl.exe --status": out("Default Distribution: Ubuntu\nDefault Version: 1\n")},
                                    "default WSL version is 1", "wsl.exe --set-default-version 2"),
    "windows.distro.installed": ("windows", {"wsl.exe --list --verbose": out("  NAME            STATE           VERSION\n* Ubuntu-18.04    Running         2\n")},
                                 "is not installed", "Microsoft Store"),
    "windows.nvidia.driver": ("windows", {"nvidia-smi.exe": out(SMI.replace("460.20 ", "451.48 "))},
                              "does not satisfy >=455.41", "cuda/wsl/download"),
    "windows.vscode.extensions": ("windows", {"cmd.exe /c code --list-extensions": out("ms-python.python\n")},
                                  "ms-vscode-remote.remote-wsl", "code --install-extension"),
    "wsl.kernel.version": ("wsl", {"cat /proc/version": out("Linux version 4.19.104-microsoft-standard (x) #1 SMP\n")},
                           "does not satisfy >=4.19.128", "wsl.exe --update"),
    "wsl.driver.libraries": ("wsl", {"ls -l /usr/lib/wsl/lib": out("total 8\n-r-xr-xr-x 1 root root 831024 Sep 17 21:18 libdxcore.so\n")},
                             "lacks libcuda.so, nvidia-smi", "ls -l /usr/lib/wsl/lib"),
    "wsl.driver.loader": ("wsl", {"/sbin/ldconfig -p": out("1 libs found in cache `/etc/ld.so.cache'\n\tlibc.so.6 (libc6,x86-64) => /lib/x86_64-linux-gnu/libc.so.6\n")},
                          "does not know libcuda.so", "ld.wsl.conf"),
    "wsl.os.release": ("wsl", {"cat /etc/os-release": out('ID=ubuntu\nVERSION_ID="22.10"\n')},
                       "ubuntu22.10 is not one", "os-release"),
    "wsl.sudoers.dockerd": ("wsl", {"sudo -n -l /usr/bin/dockerd": out("", "sudo: a password is required\n", rc=1)},
                            "asks for a password", "NOPASSWD: /usr/bin/dockerd"),
    "wsl.docker.reachable": ("wsl", {"docker version": out(DOCKER_VERSION.split("\nServer")[0])},
                             "shows no server", "docker version"),
    "docker.engine.community": ("wsl", {"docker version": out(DOCKER_VERSION.replace("Server: Docker Engine - Community", "Server: Mirantis Container Runtime"))},
                                "Mirantis Container Runtime", "get.docker.com"),
    "docker.engine.in_distro": ("wsl", {"docker info": out(DOCKER_INFO.replace("Operating System: Ubuntu 20.04.1 LTS", "Operating System: Docker Desktop"))},
                                "not a daemon in this distro", "docker context use default"),
    "docker.package.{package}": ("wsl", {
        "dpkg-query -W -f='${Package}\\t${Version}\\t${db:Status-Abbrev}\\n' nvidia-docker2 nvidia-container-toolkit libnvidia-container1 libnvidia-container-tools":
        out("nvidia-docker2\t2.0.3-1\tii \nnvidia-container-toolkit\t1.0.5-1\tii \nlibnvidia-container1\t1.0.7-1\tii \nlibnvidia-container-tools\t1.0.7-1\tii \n")},
        "does not satisfy", "apt install -y nvidia-docker2"),
    "docker.runtime.configured": ("wsl", {"cat /etc/docker/daemon.json": out('{"log-driver": "json-file"}\n')},
                                  "registers no `nvidia` runtime", "nvidia-ctk runtime configure"),
    "docker.image.{role}.present": ("wsl", {
        f"docker image inspect --format '{{{{.Id}}}}' {image}": out("", f"Error: No such image: {image}\n", rc=1)
        for image in ("nvcr.io/nvidia/k8s/cuda-sample:nbody", "tensorflow/tensorflow:latest-gpu-py3-jupyter",
                      "angelsevillacamins/gpu-py3-jupyter-rstudio")},
        "is not present locally", "docker pull"),
    "gpu.nbody.runs": ("wsl", {NBODY: out("", "docker: Error response from daemon: OCI runtime create failed: container_linux.go:370: starting container process caused: process_linux.go:459: container init caused: Running hook #0:: error running hook: exit status 1, stdout: , stderr: nvidia-container-cli: initialization error: driver error: failed to process request: unknown.\n", rc=125)},
                       "(driver_error)", "CUDA on WSL driver"),
    "gpu.nbody.device": ("wsl", {NBODY: out(HEALTHY["hosts"]["wsl"][NBODY]["stdout"].replace("7.5", "3.0").replace("GeForce RTX 2070", "GeForce GTX 680"))},
                         "has compute capability 3.0", "developer.nvidia.com/cuda-gpus"),
    "gpu.nvidia_smi.gpu": ("wsl", {"/usr/lib/wsl/lib/nvidia-smi": out("NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.\n", rc=9)},
                           "sees no GPU", "/usr/lib/wsl/lib/nvidia-smi"),
    "gpu.nvidia_smi.driver": ("wsl", {"/usr/lib/wsl/lib/nvidia-smi": out(SMI.replace("Driver Version: 460.20 ", "Driver Version: 455.41 "))},
                              "differs from 460.20 on Windows", "nvidia-smi.exe"),
    "windows.distro.template": ("windows", {'cmd.exe /c if exist "C:\\wslbackup\\ubuntu.tar" (echo present) else (echo missing)': out("missing\n")},
                                "no exported distro template", "wsl --export Ubuntu"),
    "windows.distro.imported": ("windows", {"wsl.exe --list": out("Windows Subsystem for Linux Distributions:\nUbuntu (Default)\n")},
                                "ubuntu_gpu", "wsl --import"),
    "windows.distro.imported_user": ("windows", {
        "wsl.exe --list": out("Windows Subsystem for Linux Distributions:\nUbuntu (Default)\nubuntu_gpu\n"),
        "wsl.exe -d ubuntu_gpu -- id -un": out("root\n")}, "start as root", "--user analyst"),
}
NEEDS_SITE_PROFILE = {"windows.distro.template", "windows.distro.imported", "windows.distro.imported_user"}


@pytest.mark.parametrize("template", sorted(MUTATIONS))
def test_check_fails_with_its_fix(certify, tmp_path, template):
    role, commands, message, fix = MUTATIONS[template]
    snapshot = tmp_path / "mutated.json"
    snapshot.write_text(json.dumps({"format": "wslgpu-certify-snapshot/1",
                                    "extends": str(SNAPSHOTS / "documented-healthy.json"),
                                    "hosts": {role: commands}}))
    args = ["--snapshot", str(snapshot)]
    if template in NEEDS_SITE_PROFILE:
        (tmp_path / "site.toml").write_text(SITE_PROFILE)
        args += ["--profile", str(tmp_path / "site.toml")]
    run = certify(*args)
    prefix = template.split("{")[0]
    mine = [c for c in run.results["checks"] if c["id"].startswith(prefix) and c["outcome"] in ("failed", "warning", "error")]
    assert mine, f"{template} did not fail: {run.outcomes()}"
    for finding in mine:
        assert finding["outcome"] in ("failed", "warning"), finding
        assert message in finding["message"], finding["message"]
        assert any(fix in command for command in finding["remediation"]["commands"]), finding["remediation"]


def templates_seen_failing() -> set[str]:
    return set(MUTATIONS)
