"""The known-causes catalog and its matcher, tested on real error formats.

Every signature must match at least one real format of its error: a corpus transcript
(read in place from /work/shared/corpus, skipped when absent) or a short excerpt of the
real error line, written here beside the public thread it was copied from. No
signature may match a transcript the corpus index calls healthy.
"""

from __future__ import annotations

import doctest
import os
import random
import re
import shutil
import string
import subprocess
import sys
import time
from pathlib import Path

import pytest

from wslgpu_certify.findings import LAYERS
from wslgpu_certify.signatures import catalog as signature_catalog
from wslgpu_certify.signatures.matcher import load_catalog, match
from wslgpu_certify.lazy_regex import LazyRegex

REPO = Path(__file__).resolve().parents[2]
CORPUS = Path(os.environ.get("WSLGPU_CORPUS", REPO.parent / "shared" / "corpus"))  # a worktree names it
CATALOG = load_catalog()
IDS = {sig.id for sig in CATALOG}


def corpus_entries(verdict: str) -> list[dict]:
    index = CORPUS / "index.yaml"
    if not index.is_file():
        return []
    yaml = pytest.importorskip("yaml")
    return [e for e in yaml.safe_load(index.read_text(encoding="utf-8")) if e.get("verdict") == verdict]


def corpus_text(name: str) -> str:
    path = CORPUS / "raw" / name
    if not path.is_file():
        pytest.skip(f"shared corpus not present: {path}")
    return path.read_text(encoding="utf-8")


# ---------------------------------------------------------------- real formats, per signature
# (id, source, excerpt): the excerpt is the error as the thread shows it (user names,
# hashes and long paths kept as printed; only surrounding noise left out).
EXCERPTS = [
    ("docker.cli-context-elsewhere", "https://github.com/henki-robotics/robotics_essentials_ros2/issues/17",
     "unable to get image 'robotics_essentials_ros2': Cannot connect to the Docker daemon at "
     "unix:///home/vlad/.docker/desktop/docker.sock. Is the docker daemon running?"),
    ("docker.cli-context-elsewhere", "https://github.com/docker/desktop-linux/issues/20",
     "docker: Cannot connect to the Docker daemon at unix:///home/me/.docker/desktop/docker.sock. "
     "Is the docker daemon running?."),
    ("wsl.vm-platform-missing", "https://github.com/MicrosoftDocs/WSL/issues/1431",
     "WslRegisterDistribution failed with error: 0x80370102\n"
     "Error: 0x80370102 The virtual machine could not be started because a required feature is not installed."),
    ("wsl.vm-platform-missing", "https://github.com/IIC2143/Setup-Guides/issues/40",
     "WslRegisterDistribution failed with error: 0x80370102\n"
     "Please enable the Virtual Machine Platform Windows feature and ensure virtualization is enabled in the BIOS."),
    ("wsl.feature-not-enabled", "https://github.com/microsoft/WSL/issues/5833",
     "Installing, this may take a few minutes...\nWslRegisterDistribution failed with error: 0x8007019e\n"
     "The Windows Subsystem for Linux optional component is not enabled. Please enable it and try again."),
    ("wsl.feature-not-enabled", "https://github.com/microsoft/WSL/issues/3135",
     "The WSL optional component is not enabled. Please enable it and try again.\n"
     "See https://aka.ms/wslinstall for details.\nError: 0x8007007e"),
    ("wsl.kernel-update-required", "https://github.com/microsoft/WSL/issues/5393",
     "WslRegisterDistribution failed with error: 0x800701bc\nError: 0x800701bc WSL 2 requires an update to "
     "its kernel component. For information please visit https://aka.ms/wsl2kernel"),
    ("wsl.kernel-update-required", "https://github.com/microsoft/WSL/issues/5759",
     "PS C:\\WINDOWS\\system32> wsl --set-default-version 2\nError: 0x1bc\n"
     "For information on key differences with WSL 2 please visit https://aka.ms/wsl2"),
    ("wsl.kernel-update-required", "https://github.com/microsoft/WSL/issues/6894",  # console code page mojibake
     "WslRegisterDistribution failed with error: 0x800701bc\n"
     "Error: 0x800701bc WSL 2 ???????????? ??????????????????????? https://aka.ms/wsl2kernel ?????????"),
    ("wsl.hcs-service-not-available", "https://github.com/microsoft/WSL/issues/11634",
     "WslRegisterDistribution failed with error: 0x80370114\n"
     "Error: 0x80370114 The operation could not be started because a required feature is not installed."),
    ("wsl.hcs-service-not-available", "https://github.com/microsoft/WSL/issues/8793",
     "The operation could not be started because a required feature is not installed.\n"
     "Error code: Wsl/Service/CreateInstance/CreateVm/HCS_E_SERVICE_NOT_AVAILABLE"),
    ("wsl.hyperv-not-installed", "https://github.com/microsoft/WSL/issues/11117",
     "Error code: Wsl/Service/CreateInstance/CreateVm/HCS/HCS_E_HYPERV_NOT_INSTALLED"),
    ("wsl.hyperv-not-installed", "https://github.com/microsoft/WSL/issues/14435",
     "WSL2 is not supported with your current machine configuration\nError code: HCS_E_HYPERV_NOT_INSTALLED"),
    ("wsl.register-unspecified-error", "https://github.com/microsoft/WSL/issues/12190",
     "WslRegisterDistribution failed with error: 0x80004005\nError: 0x80004005 Unspecified error"),
    ("wsl.register-unspecified-error", "https://github.com/MicrosoftDocs/WSL/issues/2124",
     "Error: 0x80004005 Erreur non spÚcifiÚe"),
    ("wsl.register-application-error", "https://github.com/microsoft/WSL/issues/9386",
     "WslRegisterDistribution failed with error: 0x8007023e\nError: 0x8007023e {???????? ???}"),
    ("wsl.register-application-error", "https://github.com/MicrosoftDocs/WSL/issues/1434",
     "Error: 0x8007023e {Application Error}\nThe exception s (0x"),
    ("wsl.vhdx-compressed", "https://github.com/microsoft/WSL/issues/4299",
     "WslRegisterDistribution failed with error: 0xc03a001a\nError: 0xc03a001a The requested operation could not "
     "be completed due to a virtual disk system limitation.  Virtual hard disk files must be uncompressed and "
     "unencrypted and must not be sparse."),
    ("wsl.vhdx-compressed", "https://github.com/MicrosoftDocs/WSL/issues/494",
     "The requested operation could not be completed due to a virtual disk system limitation.  Virtual hard disk "
     "files must be uncompressed and unencrypted and must not be sparse."),
    ("wsl.service-disabled", "https://github.com/microsoft/WSL/issues/11336",
     "The service cannot be started, either because it is disabled or because it has no enabled devices "
     "associated with it.\nError code: Wsl/0x80070422"),
    ("wsl.service-disabled", "https://github.com/microsoft/WSL/issues/3815",
     "WslRegisterDistribution failed with error: 0x80070422"),
    ("wsl.distro-is-wsl1", "https://github.com/microsoft/WSL/issues/767",
     "Linux Rockheart 4.4.0-19041-Microsoft #1-Microsoft Fri Dec 06 14:06:00 PST 2019 x86_64 x86_64 x86_64 GNU/Linux"),
    ("wsl.distro-is-wsl1", "https://github.com/microsoft/WSL/issues/6122",
     "Linux version 4.4.0-20236-Microsoft (Microsoft@Microsoft.com) (gcc version 5.4.0 (GCC) )"),
    ("wsl.list-shows-version-1", "https://github.com/codeedu/wsl2-docker-quickstart/issues/15",
     "  NAME            STATE           VERSION\n* Ubuntu-20.04    Running         1"),
    ("wsl.list-shows-version-1", "https://github.com/microsoft/WSL/issues/12194",
     "  NAME            STATE           VERSION\nUbuntu-22.04    Stopped         1"),
    ("wsl.cli-too-old", "https://github.com/microsoft/wslg/issues/32",
     "C:\\WINDOWS\\system32>wsl --update\nInvalid command line option: --update\n"
     "Copyright (c) Microsoft Corporation. All rights reserved."),
    ("windows.build-without-gpu-pv", "https://github.com/microsoft/wslg/issues/32",
     "Microsoft Windows [Version 10.0.19042.928]\n(c) Microsoft Corporation. All rights reserved."),
    ("windows.build-without-gpu-pv", "https://github.com/microsoft/WSL/issues/5759",
     "Windows build number: Microsoft Windows NT 10.0.19041.0"),
    ("wsl.distro-root-broken", "https://github.com/microsoft/WSL/issues/12638",
     "<3>WSL (7 - SessionLeader) ERROR: operator():420: getpwuid(0) failed 2\n"
     "<3>WSL (7 - SessionLeader) ERROR: CreateProcessCommon:640: execvpe(/bin/sh) failed: No such file or directory"),
    ("docker.socket-permission-denied", "https://github.com/codeedu/wsl2-docker-quickstart/issues/15",
     'docker: Got permission denied while trying to connect to the Docker daemon socket at '
     'unix:///var/run/docker.sock: Post "http://%2Fvar%2Frun%2Fdocker.sock/v1.24/containers/create": '
     'dial unix /var/run/docker.sock: connect: permission denied.'),
    ("docker.socket-permission-denied", "https://github.com/tomsik68/docker-xampp/issues/63",  # newer lower-case form
     'docker: permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock: '
     'Head "http://%2Fvar%2Frun%2Fdocker.sock/_ping": dial unix /var/run/docker.sock: connect: permission denied.'),
    ("docker.daemon-not-running", "https://github.com/microsoft/WSL/issues/2291",
     "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?"),
    ("docker.iptables-nf-tables", "https://github.com/docker/for-linux/issues/1406",
     "failed to start daemon: Error initializing network controller: error obtaining controller instance: unable "
     "to add return rule in DOCKER-ISOLATION-STAGE-1 chain:  (iptables failed: iptables --wait -A "
     "DOCKER-ISOLATION-STAGE-1 -j RETURN: iptables v1.8.7 (nf_tables):  RULE_APPEND failed (No such file or "
     "directory): rule in chain DOCKER-ISOLATION-STAGE-1"),
    ("docker.iptables-nat-table-missing", "https://github.com/microsoft/WSL2-Linux-Kernel/issues/20",  # no backend tag
     "Error starting daemon: Error initializing network controller: error obtaining controller instance: failed to "
     "create NAT chain DOCKER: iptables failed: iptables -t nat -N DOCKER: iptables v1.6.1: can't initialize "
     "iptables table `nat': Table does not exist (do you need to insmod?)"),
    ("docker.cgroup-mount-missing", "https://github.com/microsoft/WSL/issues/4189",
     "docker: Error response from daemon: cgroups: cannot find cgroup mount destination: unknown."),
    ("docker.desktop-shim-without-integration", "https://github.com/microsoft/WSL/issues/9949",
     "The command 'docker' could not be found in this WSL 2 distro.\n"
     "We recommend to activate the WSL integration in Docker Desktop settings."),
    ("docker.desktop-shim-without-integration", "https://github.com/docker/docs/issues/11099",
     "The command 'docker' could not be found in this WSL 1 distro.\n"
     "We recommend to convert this distro to WSL 2 and activate"),
    ("docker.desktop-shim-without-integration", "https://github.com/docker/docs/issues/21400",
     "The command 'docker-compose' could not be found in this WSL 2 distro."),
    ("docker.desktop-integration-off", "https://github.com/docker/for-win/issues/7039",
     "The command 'docker' could not be found in this WSL 2 distro.\n"
     "We recommend to activate the WSL integration in Docker Desktop settings."),
    ("docker.desktop-integration-off", "https://github.com/docker/for-win/issues/14517",
     "The command 'docker' could not be found in this WSL 2 distro.\n"
     "We recommend to activate the WSL integration in Docker Desktop settings.\n\n"
     "For details about using Docker Desktop with WSL 2, visit:\n\nhttps://docs.docker.com/go/wsl2/"),
    ("docker.desktop-engine-not-running", "https://github.com/docker/for-win/issues/14759",
     "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?"),
    ("docker.desktop-credential-helper", "https://github.com/aimh-lab/visione/issues/26",
     'error getting credentials - err: exec: "docker-credential-desktop.exe": executable file not found in $PATH'),
    ("docker.desktop-credential-helper", "https://github.com/docker/compose/issues/7495",
     "docker.credentials.errors.InitializationError: docker-credential-desktop.exe not installed or not "
     "available in PATH"),
    ("docker.desktop-credential-helper", "https://github.com/docker/for-win/issues/12091",
     "/usr/bin/docker-credential-desktop.exe: Invalid argument\n"
     "Error saving credentials: error storing credentials - err: exit status 1, out: ``"),
    ("docker.port-already-allocated", "https://github.com/ryoluo/sail-ssl/issues/20",
     "Error response from daemon: driver failed programming external connectivity on endpoint test-nginx-1 (): "
     "Bind for 0.0.0.0:443 failed: port is already allocated"),
    ("docker.engine-is-docker-desktop", "https://github.com/docker/for-win/issues/13907",
     "Server: Docker Desktop 4.27.1 (136059)\n Engine:\n  Version:          25.0.2"),
    ("toolkit.no-gpu-driver-selected", "https://github.com/NVIDIA/nvidia-docker/issues/1642",  # no driver name
     "docker: Error response from daemon: could not select device driver with capabilities: [[gpu]]."),
    ("toolkit.no-gpu-driver-selected", "https://github.com/basujindal/stable-diffusion/issues/217",  # compose
     'Error response from daemon: could not select device driver "nvidia" with capabilities: [[gpu]]'),
    ("toolkit.unknown-runtime-nvidia", "https://github.com/NVIDIA/nvidia-docker/issues/838",  # older dockerd
     "$ docker run --runtime=nvidia --rm nvidia/cuda nvidia-smi\n"
     "docker: Error response from daemon: Unknown runtime specified nvidia."),
    ("toolkit.driver-error-failed-to-process-request", "https://github.com/NVIDIA/nvidia-container-toolkit/issues/183",
     'stderr: nvidia-container-cli: initialization error: driver error: failed to process request\\\\\\\\n\\\\\\"\\"": unknown.'),
    ("toolkit.cuda-requirement-unsatisfied", "https://github.com/smallcloudai/refact/issues/368",
     "stderr: Auto-detected mode as 'legacy'\nnvidia-container-cli: requirement error: unsatisfied condition: "
     "cuda>=11.8, please update your driver to a newer version, or use an earlier cuda container: unknown."),
    ("toolkit.driver-library-file-exists", "https://github.com/NVIDIA/nvidia-docker/issues/1551",
     "stderr: nvidia-container-cli: mount error: file creation failed: /var/lib/docker/overlay2/706b1d1b6de681b6daf1"
     "cab979336a9d465d9b333962cc17db663f2e334d5776/merged/usr/lib/x86_64-linux-gnu/libnvidia-ml.so.1: file exists: "
     "unknown."),
    ("toolkit.driver-library-file-exists", "https://github.com/NVIDIA/nvidia-docker/issues/1699",  # runc 1.1 wording
     "docker: Error response from daemon: failed to create shim task: OCI runtime create failed: runc create failed: "
     "unable to start container process: error during container init: error running hook #0: error running hook: "
     "exit status 1, stdout: , stderr: Auto-detected mode as 'legacy'\nnvidia-container-cli: mount error: file "
     "creation failed: /var/lib/docker/overlay2/017a3afa10308f38c995c9b4e9b89b8c736143b33f232f0e4ea37d14094fc30b/"
     "merged/usr/lib/x86_64-linux-gnu/libnvidia-ml.so.1: file exists: unknown."),
    ("toolkit.nvml-library-not-found", "https://github.com/NVIDIA/libnvidia-container/issues/231",
     "nvidia-container-cli list\nnvidia-container-cli: initialization error: load library failed: "
     "libnvidia-ml.so.1: cannot open shared object file: no such file or directory"),
    ("toolkit.dxcore-init-failed", "https://github.com/NVIDIA/nvidia-docker/issues/1629",  # libnvidia-container 1.9
     "I0418 18:12:58.648518 217303 nvc.c:395] dxcore initialization failed, continuing assuming a non-WSL environment"),
    ("toolkit.nvml-driver-not-loaded", "https://github.com/NVIDIA/nvidia-docker/issues/1629",
     "docker: Error response from daemon: failed to create shim: OCI runtime create failed: container_linux.go:380: "
     "starting container process caused: process_linux.go:545: container init caused: Running hook #0:: error "
     "running hook: exit status 1, stdout: , stderr: nvidia-container-cli: initialization error: nvml error: "
     "driver not loaded: unknown."),
    ("toolkit.nvml-driver-not-loaded", "https://github.com/NVIDIA/nvidia-container-toolkit/issues/1269",
     "nvidia-container-cli: initialization error: nvml error: driver not loaded"),
    ("toolkit.cdi-device-unresolvable", "https://github.com/NVIDIA/nvidia-container-toolkit/issues/146",
     "Error: error setting up CDI devices: unresolvable CDI devices nvidia.com/gpu=all"),
    ("toolkit.cdi-device-unresolvable", "https://github.com/NVIDIA/nvidia-container-toolkit/issues/1239",
     "failed to inject CDI devices: unresolvable CDI devices management.nvidia.com/gpu=GPU-e78e68c0-4e6a-737e-f9cc-"
     "4223fe50aead"),
    ("toolkit.runtime-hook-missing", "https://github.com/NVIDIA/nvidia-docker/issues/1337",
     'docker: Error response from daemon: exec: "nvidia-container-runtime-hook": executable file not found in $PATH.'),
    ("toolkit.runtime-hook-missing", "https://github.com/NVIDIA/nvidia-docker/issues/1017",
     "2019/07/23 14:19:45 ERROR: inject NVIDIA hook: stat /usr/bin/nvidia-container-runtime-hook: no such file or "
     "directory"),
    ("toolkit.prestart-hook-failed", "https://github.com/NVIDIA/nvidia-docker/issues/1699",
     "error running hook #0: error running hook: exit status 1, stdout: , stderr: Auto-detected mode as 'legacy'"),
    ("nvidia-smi.gpu-access-blocked", "https://github.com/microsoft/WSL/issues/14339",
     "$ nvidia-smi\nFailed to initialize NVML: GPU access blocked by the operating system\n"
     "Failed to properly shut down NVML: GPU access blocked by the operating system"),
    ("nvidia-smi.nvml-unknown-error", "https://github.com/NVIDIA/nvidia-docker/issues/1671",
     "root@098b49afe624:/# nvidia-smi \nFailed to initialize NVML: Unknown Error"),
    ("nvidia-smi.driver-library-mismatch", "https://github.com/mozilla/translations/issues/1167",
     "[task 2025-07-01T05:06:30.005+00:00] [train] [nvidia-smi(stdout)] Failed to initialize NVML: "
     "Driver/library version mismatch"),
    ("nvidia-smi.driver-library-mismatch", "https://github.com/tinygrad/open-gpu-kernel-modules/issues/47",
     "nvidia-smi \nFailed to initialize NVML: Driver/library version mismatch\nNVML library version: 570.124"),
    ("nvidia-smi.cannot-communicate-with-driver", "https://github.com/microsoft/WSL/issues/7716",
     "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest "
     "NVIDIA driver is installed and running."),
    ("nvidia-smi.segfault-wsl-driver", "https://github.com/Nevuly/WSL2-Linux-Kernel-Rolling/issues/13",  # zsh
     "| NVIDIA-SMI 555.42.03              Driver Version: 555.85         CUDA Version: 12.5     |\n"
     "|-----------------------------------------+------------------------+----------------------+\n"
     "|=========================================+========================+======================|\n"
     "[1]    494 segmentation fault  nvidia-smi"),
    ("nvidia-smi.segfault-wsl-driver", "https://github.com/microsoft/WSL/issues/11510",  # bash: no program name
     # the header as nvidia-smi prints it in microsoft/WSL#11277, then bash's crash line (the #11510 title)
     "| NVIDIA-SMI 550.90.07              Driver Version: 552.55         CUDA Version: 12.4     |\n"
     "|-----------------------------------------+------------------------+----------------------+\n"
     "| GPU  Name                 Persistence-M | Bus-Id          Disp.A | Volatile Uncorr. ECC |\n"
     "|=========================================+========================+======================|\n"
     "Segmentation fault (core dumped)"),
    ("toolkit.prestart-hook-failed", "https://github.com/hekmak/Conf-net/issues/5",  # older runc wording
     "Running hook #1:: error running hook: exit status 1, stdout: , stderr: nvidia-container-cli: ldcache error: "
     "open failed: /sbin/ldconfig.real: no such file or directory: unknown."),
    ("nvidia-smi.not-on-path-in-distro", "https://github.com/microsoft/WSL/issues/8794",
     "(base) ➜  ~ nvidia-smi\nzsh: command not found: nvidia-smi"),
    ("nvidia-smi.not-in-container", "https://github.com/NVIDIA/nvidia-docker/issues/1482",
     "docker: Error response from daemon: OCI runtime create failed: container_linux.go:367: starting container "
     'process caused: exec: "nvidia-smi": executable file not found in $PATH: unknown.'),
    ("nvidia-smi.not-in-container", "https://github.com/NVIDIA/nvidia-docker/issues/457",  # escaped, docker 17
     'docker: Error response from daemon: oci runtime error: container_linux.go:262: starting container process '
     'caused "exec: \\"nvidia-smi\\": executable file not found in $PATH".'),
    ("gpu.linux-driver-packages-in-wsl", "https://github.com/NVIDIA/nvidia-container-toolkit/issues/154",
     "ii  nvidia-compute-utils-520            520.56.06-0lambda0.22.04.3   amd64        NVIDIA compute utilities"),
    ("cuda.no-device", "https://github.com/microsoft/WSL/issues/9272",
     "failed call to cuInit: CUDA_ERROR_NO_DEVICE: no CUDA-capable device is detected"),
    ("cuda.no-device", "https://github.com/zml/zml/issues/838",
     "error: cuInit returned unexpected error code: 100: no CUDA-capable device is detected"),
    ("cuda.no-device", "https://github.com/NVIDIA/cuml/issues/5624",
     "numba.cuda.cudadrv.driver.CudaAPIError: [100] Call to cuInit results in CUDA_ERROR_NO_DEVICE"),
    ("cuda.insufficient-driver", "https://github.com/NVIDIA/nvidia-docker/issues/1783",
     "what():  std::bad_alloc: cudaErrorInsufficientDriver: CUDA driver version is insufficient for CUDA runtime "
     "version"),
    ("cuda.devices-unavailable", "https://github.com/microsoft/WSL/issues/6098",
     "RuntimeError: CUDA error: all CUDA-capable devices are busy or unavailable"),
    ("cuda.devices-unavailable", "https://github.com/microsoft/WSL/issues/6057",
     'CUDA error at bodysystemcuda_impl.h:159 code=46(cudaErrorDevicesUnavailable) '
     '"cudaEventCreate(&m_deviceData[0].event)"'),
    ("cuda.not-supported-on-wsl", "https://github.com/tracel-ai/burn/issues/3315",
     'DriverError(CUDA_ERROR_NOT_SUPPORTED, "operation not supported") when training with CUDA in WSL2'),
    ("cuda.not-supported-on-wsl", "https://github.com/NVIDIA/cudf/issues/11382",
     "RuntimeError: CUDA error encountered at: /workspace/.conda-bld/work/cpp/src/bitmask/null_mask.cu:93: 801 "
     "cudaErrorNotSupported operation not supported."),
    ("cuda.no-kernel-image", "https://github.com/vllm-project/vllm/issues/18835",
     "RuntimeError: CUDA error: no kernel image is available for execution on the device"),
    ("cuda.no-kernel-image", "https://github.com/CSAILVision/unifiedparsing/issues/6",
     "cudaCheckError() failed : no kernel image is available for execution on the device"),
    ("tensorflow.cuda-library-not-loaded", "https://github.com/tensorflow/tensorflow/issues/45930",
     "2021-04-09 19:52:41.024315: W tensorflow/stream_executor/platform/default/dso_loader.cc:60] Could not load "
     "dynamic library 'libcudart.so.11.0'; dlerror: libcudart.so.11.0: cannot open shared object file: No such "
     "file or directory"),
    ("tensorflow.cuda-library-not-loaded", "https://github.com/ali-vilab/dreamtalk/issues/32",
     "2024-02-25 18:52:47.991396: W tensorflow/stream_executor/platform/default/dso_loader.cc:64] Could not load "
     "dynamic library 'libcudart.so.11.0'; dlerror: libcudart.so.11.0: cannot open shared object file: No such "
     "file or directory; LD_LIBRARY_PATH: /usr/local/lib/python3.10/dist-packages/cv2/../../lib64:/usr/lib64-nvidia"),
    ("cuda.libcuda-not-on-loader-path", "https://github.com/facebookresearch/nougat/issues/115",
     "Could not load library libcudnn_cnn_infer.so.8. Error: libcuda.so: cannot open shared object file: No such "
     "file or directory\nAborted"),
    ("cuda.libcuda-not-on-loader-path", "https://github.com/bitsandbytes-foundation/bitsandbytes/issues/17",
     "OSError: libcuda.so: cannot open shared object file: No such file or directory"),
    ("pytorch.no-nvidia-driver", "https://github.com/CompVis/stable-diffusion/issues/161",
     "RuntimeError: Found no NVIDIA driver on your system. Please check that you have an NVIDIA GPU and installed "
     "a driver from http://www.nvidia.com/Download/index.aspx"),
    ("pytorch.no-nvidia-driver", "https://github.com/microsoft/WSL/issues/6014",  # older AssertionError, wrapped
     "AssertionError:\nFound no NVIDIA driver on your system. Please check that you\nhave an NVIDIA GPU and "
     "installed a driver from\nhttp://www.nvidia.com/Download/index.aspx"),
    ("reticulate.python-not-shared", "https://github.com/rstudio/reticulate/issues/1408",
     "#> Error: '/Users/ryan.plain/.virtualenvs/test/bin/python' was not built with a shared library.\n"
     "#> reticulate can only bind to copies of Python built with '--enable-shared'."),
    ("reticulate.python-not-shared", "https://github.com/rstudio/reticulate/issues/452",
     "Error in initialize_python in R reticulate\n"
     "  Python shared library '/usr/lib64/libpython3.7.so' not found, Python bindings not loaded."),
    ("reticulate.python-not-shared", "https://github.com/rstudio/reticulate/issues/615",
     "Error in initialize_python(required_module, use_environment) :\n"
     "  Python shared library not found, Python bindings not loaded."),
    ("reticulate.python-already-initialized", "https://github.com/rstudio/reticulate/issues/625",
     "Error in use_python(\"/usr/local/bin/python3\", required = T) : \n  Required version of Python "
     "'/usr/local/bin/python3' cannot be used because another version of Python "
     "('/Library/Frameworks/Python.framework/Versions/3.7/bin//python3') is already initialized for this process."),
    ("reticulate.python-already-initialized", "https://github.com/rstudio/reticulate/issues/1368",
     "Error in use_python(python, required = required): failed to initialize requested version of Python"),
    ("rstudio.rocker-password-required", "https://github.com/rocker-org/rocker/issues/303",
     "ERROR: You must set a unique PASSWORD first!! e.g. run with:\n"
     "docker run -e PASSWORD=<YOUR_PASS> -p 8787:8787 rocker/rstudio"),
    ("rstudio.rocker-password-required", "https://github.com/geocompx/geocompr/issues/360",
     "ERROR: You must set a unique PASSWORD (not 'rstudio') first! e.g. run with:"),
    ("jupyter.refuses-root", "https://github.com/pkmital/CADL/pull/91",
     "[C 10:03:16.818 NotebookApp] Running as root is not recommended. Use --allow-root to bypass."),
    ("jupyter.refuses-root", "https://github.com/mikebirdgeneau/jupyterlab-docker/issues/2",  # JupyterLab
     "[C 18:48:38.532 LabApp] Running as root is not recommended. Use --allow-root to bypass."),
    ("wsl.service-unexpected-error", "https://github.com/microsoft/WSL/issues/13159",
     "C:\\Users\\jade>wsl\nCatastrophic failure\nError code: Wsl/Service/E_UNEXPECTED"),
    ("wsl.service-unexpected-error", "https://github.com/microsoft/WSL/issues/13237",
     "Catastrophic failure\nError code: Wsl/Service/CreateInstance/E_UNEXPECTED"),
    ("wsl.service-unexpected-error", "https://github.com/microsoft/WSL/issues/12810",  # German console
     "Schwerwiegender Fehler\nFehlercode: Wsl/Service/E_UNEXPECTED"),
    ("toolkit.cgroup-device-rules", "https://github.com/NVIDIA/libnvidia-container/issues/154",
     "stderr: nvidia-container-cli: mount error: failed to add device rules: unable to find any existing device "
     "filters attached to the cgroup: bpf_prog_query(BPF_CGROUP_DEVICE) failed: operation not permitted: unknown."),
    ("toolkit.cgroup-device-rules", "https://github.com/NVIDIA/libnvidia-container/issues/256",
     "stderr: Auto-detected mode as 'legacy'\nnvidia-container-cli: mount error: failed to add device rules: unable "
     "to generate new device filter program from existing programs: unable to create new device filters program: "
     "load program: invalid argument: 0: (69) r2 = *(u16 *)(r1 +0)"),
    ("toolkit.ldcache-error", "https://github.com/hekmak/Conf-net/issues/5",
     "Running hook #1:: error running hook: exit status 1, stdout: , stderr: nvidia-container-cli: ldcache error: "
     "open failed: /sbin/ldconfig.real: no such file or directory: unknown."),
    ("toolkit.ldcache-error", "https://github.com/NVIDIA/nvidia-container-toolkit/issues/147",
     "stderr: nvidia-container-cli: ldcache error: process /sbin/ldconfig.real failed with error code: 1: unknown."),
    ("tensorflow.no-cuda-drivers", "https://github.com/tensorflow/tensorflow/issues/70960",  # tsl path, TF 2.15
     "2024-07-07 22:04:49.005473: I external/local_tsl/tsl/cuda/cudart_stub.cc:31] Could not find cuda drivers on "
     "your machine, GPU will not be used."),
    ("tensorflow.no-cuda-drivers", "https://github.com/tensorflow/tensorflow/issues/66750",  # TF 2.13
     "2024-06-28 00:03:52.493638: I tensorflow/tsl/cuda/cudart_stub.cc:28] Could not find cuda drivers on your "
     "machine, GPU will not be used."),
    ("cuda.libcuda-not-on-loader-path", "https://github.com/ANTsX/ANTsRNet/issues/37",  # TF via R/reticulate
     "W tensorflow/stream_executor/platform/default/dso_loader.cc:59] Could not load dynamic library 'libcuda.so.1'; "
     "dlerror: libcuda.so.1: cannot open shared object file: No such file or directory; LD_LIBRARY_PATH: "
     "/home/maga/.local/share/r-miniconda/envs/r-reticulate/lib:/usr/lib/R/lib"),
    ("reticulate.python-path-missing", "https://github.com/rstudio/reticulate/issues/1169",
     "Error in use_python(python = \"C:/Users/yilin/anaconda3/bin/python\") : \n"
     "  Specified version of python 'C:/Users/yilin/anaconda3/bin/python' does not exist."),
    ("reticulate.python-path-missing", "https://github.com/rstudio/reticulate/issues/967",
     "Error in use_python(\"/usr/bin/python3.8\", required = T) : \n"
     "  Specified version of python '/usr/bin/python3.8' does not exist."),
    ("toolkit.hook-crashed", "https://github.com/NVIDIA/nvidia-docker/issues/1535",
     "docker: Error response from daemon: OCI runtime create failed: container_linux.go:380: starting container "
     "process caused: process_linux.go:545: container init caused: Running hook #0:: error running hook: signal: "
     "segmentation fault (core dumped), stdout: , stderr:: unknown."),
    ("toolkit.hook-crashed", "https://github.com/NVIDIA/nvidia-container-toolkit/issues/809",  # Go hook, toolkit 1.17
     "error running hook #0: error running hook: exit status 2, stdout: , stderr: SIGSEGV: segmentation violation"),
    ("toolkit.hook-crashed", "https://github.com/AbdBarho/stable-diffusion-webui-docker/issues/498",
     "error running hook #0: error running hook: exit status 2, stdout: , stderr: fatal error: unexpected signal "
     "during runtime execution\n[signal SIGSEGV: segmentation violation code=0x1 addr=0x8 pc=0x7f83bd62f3dd]"),
    ("nvidia-smi.nvml-not-available", "https://github.com/microsoft/WSL/issues/11755",
     "Failed to initialize NVML: N/A\nFailed to properly shut down NVML: N/A"),
    ("rpy2.r-package-missing", "https://github.com/rpy2/rpy2/issues/147",
     "python -m 'rpy2.tests'\nrpy2 version: 2.3.6\nError in loadNamespace(name) : there is no package called ‘ggplot2’"),
    ("rpy2.r-package-missing", "https://github.com/rpy2/rpy2/issues/276",
     "RRuntimeError: Error in loadNamespace(name) : there is no package called 'mi'"),
    ("docker.daemon-json-invalid", "https://github.com/ReSearchITEng/kubeadm-playbook/issues/98",
     "dockerd[41140]: unable to configure the Docker daemon with file /etc/docker/daemon.json: invalid character "
     "'}' looking for beginning of object key string"),
    ("docker.daemon-json-invalid", "https://github.com/moby/moby/issues/44905",  # valid JSON, wrong type
     "unable to configure the Docker daemon with file /etc/docker/daemon.json: json: cannot unmarshal string into "
     "Go struct field Config.ipv6 of type bool"),
    ("docker.daemon-json-invalid", "https://github.com/moby/moby/issues/41268",  # empty file
     "dockerd\n# unable to configure the Docker daemon with file /etc/docker/daemon.json: EOF"),
    ("pytorch.cuda-unknown-error", "https://github.com/pytorch/pytorch/issues/159954",
     "/home/krish/miniconda3/envs/ass-test/lib/python3.10/site-packages/torch/cuda/__init__.py:174: UserWarning: CUDA "
     "initialization: CUDA unknown error - this may be due to an incorrectly set up environment, e.g. changing env "
     "variable CUDA_VISIBLE_DEVICES after program start. Setting the available devices to be zero."),
    ("pytorch.cuda-unknown-error", "https://github.com/pytorch/pytorch/issues/49327",  # raised, not warned
     "torch._C._cuda_init() RuntimeError: CUDA unknown error - this may be due to an incorrectly set up environment, "
     "e.g. changing env variable CUDA_VISIBLE_DEVICES after program start."),
    ("pytorch.driver-too-old", "https://github.com/lllyasviel/Fooocus/issues/1313",
     "RuntimeError: The NVIDIA driver on your system is too old (found version 11040). Please update your GPU driver "
     "by downloading and installing a new version from the URL: http://www.nvidia.com/Download/index.aspx"),
    ("pytorch.driver-too-old", "https://github.com/IEIT-Yuan/Yuan-2.0/issues/65",  # a warning at import
     "/usr/local/lib/python3.10/dist-packages/torch/cuda/__init__.py:124: UserWarning: CUDA initialization: The "
     "NVIDIA driver on your system is too old (found version 11000)."),
    ("cuda.no-device", "https://github.com/NVIDIA/cuda-samples/issues/34",
     "[Matrix Multiply Using CUDA] - Starting... \nCUDA error at ../../Common/helper_cuda.h:791 "
     "code=100(cudaErrorNoDevice) \"cudaGetDeviceCount(&device_count)\" "),
    ("gpu.no-dxg-device", "https://github.com/microsoft/WSL/issues/6809",
     # the thread reports /dev/dxg missing; this is GNU ls's wording for it
     "$ ls -l /dev/dxg\nls: cannot access '/dev/dxg': No such file or directory"),
    ("tensorflow.no-gpu-listed", "https://github.com/tensorflow/tensorflow/issues/66750",
     "2024-06-28 00:03:53.230172: W tensorflow/compiler/tf2tensorrt/utils/py_utils.cc:38] TF-TRT Warning: Could not "
     "find TensorRT\n\nNum GPUs Available:  0\n"),
    ("docker.stale-pid-file", "https://github.com/docker/for-linux/issues/1406",
     "failed to start daemon, ensure docker is not running or delete /var/run/docker.pid: process with PID 25 is "
     "still running"),
]

# id -> corpus transcripts (the corpus index names each one's public thread) that show it.
CORPUS_FORMATS = {
    "wsl.feature-not-enabled": ["wsl-cli__register-distribution-0x8007019e-component-not-enabled.txt"],
    "wsl.kernel-update-required": ["wsl-cli__set-default-version-2-kernel-update-required.txt"],
    "wsl.hcs-service-not-available": ["wsl-cli__import-hcs-e-service-not-available-fr.txt"],
    "wsl.hyperv-not-installed": ["wsl-cli__install-hcs-vmp-not-enabled-and-broken-existing-distro.txt"],
    "wsl.distro-is-wsl1": ["docker-info__wsl1-kernel-4.4.0-18362-runc-only.txt",
                           "kernel__uname-a-wsl1-4.4.0-19041-then-wsl2-4.19.84.txt",
                           "wsl-cli__status-default-v2-but-distro-still-wsl1.txt"],
    "wsl.list-shows-version-1": ["wsl-cli__list-verbose-ubuntu-stuck-on-version-1.txt"],
    "wsl.cli-too-old": ["wsl-cli__zh-ver-18362-wsl-l-v-unsupported.txt"],
    "windows.build-without-gpu-pv": ["winver__19041-508-non-insider-with-4.19.128.txt",
                                     "wsl-cli__zh-ver-18362-wsl-l-v-unsupported.txt"],
    "wsl.distro-root-broken": ["wsl-cli__install-hcs-vmp-not-enabled-and-broken-existing-distro.txt"],
    "docker.socket-permission-denied": ["docker-gpu-run__permission-denied-docker-sock-root-owned.txt"],
    "docker.daemon-not-running": ["docker-info__cannot-connect-daemon-unrecognized-service.txt"],
    "docker.no-init-script": ["docker-info__cannot-connect-daemon-unrecognized-service.txt",
                              "dockerd__systemctl-no-systemd-pid1-and-docker-unrecognized-service.txt"],
    "docker.systemd-not-pid1": ["dockerd__systemctl-no-systemd-pid1-and-docker-unrecognized-service.txt"],
    "docker.iptables-nf-tables": ["docker-info__dockerd-fails-iptables-nf-tables-wsl2.txt"],
    "docker.iptables-nat-table-missing": ["dockerd__wsl-ubuntu-22.04-iptables-legacy-nat-table-missing.txt"],
    "docker.engine-is-docker-desktop": ["docker-info__version-server-docker-desktop-4.27-windows-client.txt"],
    "toolkit.no-gpu-driver-selected": ["docker-gpu-run__could-not-select-driver-docker-desktop-insider-20257.txt"],
    "toolkit.unknown-runtime-nvidia": ["docker-gpu-run__unknown-runtime-nvidia-docker-desktop-wsl2.txt"],
    "toolkit.driver-error-failed-to-process-request": ["docker-gpu-run__tf-jupyter-driver-error-docker19-escaped.txt"],
    "toolkit.cuda-requirement-unsatisfied": ["docker-gpu-run__requirement-error-cuda-11.2-build-21354.txt"],
    "toolkit.wsl-no-adapters": ["docker-gpu-run__wsl-detected-no-adapters-distro-on-wsl1.txt"],
    "toolkit.dxcore-init-failed": ["nvidia-container-cli__dxcore-init-failed-wsl2-libnvc-1.3.0.txt"],
    "toolkit.wsl-core-component-missing": ["nvidia-container-cli__wsl-adapter-without-nvidia-components.txt"],
    "toolkit.cdi-libdxcore-not-located": ["nvidia-ctk__cdi-generate-wsl-libdxcore-not-located-driver-595.71.txt"],
    "toolkit.prestart-hook-failed": ["docker-gpu-run__requirement-error-cuda-11.2-build-21354.txt",
                                     "docker-gpu-run__tf-jupyter-driver-error-docker19-escaped.txt"],
    "nvidia-smi.cannot-communicate-with-driver": ["nvidia-smi__wsl1-2019-no-gpu-couldnt-communicate.txt",
                                                  "nvidia-smi__wsl-driver-not-loaded-while-windows-exe-works-517.48.txt"],
    "nvidia-smi.nvml-driver-not-loaded": ["nvidia-smi__wsl-admin-terminal-driver-not-loaded-glxinfo-llvmpipe.txt",
                                          "nvidia-smi__wsl-from-powershell-driver-not-loaded-wsl-1.0.3-zh.txt"],
    "nvidia-smi.segfault-wsl-driver": ["nvidia-smi__segfault-in-wsl-libnvidia-ml-driver-552.txt"],
    "nvidia-smi.cuda-version-err": ["nvidia-smi__wsl-cuda-version-err-545.46-driver-546.80.txt"],
    "nvidia-smi.not-in-container": ["docker-gpu-run__nvidia-smi-not-in-path-container-wsl-2021.txt"],
    "gpu.linux-driver-packages-in-wsl": ["dpkg-nvidia__linux-driver-470-installed-inside-wsl.txt"],
    "gpu.wsl-lib-without-libcuda": ["nvidia-smi__ls-usr-lib-wsl-lib-no-libcuda-egpu.txt"],
    "cuda.no-device": ["docker-gpu-run__runtime-nvidia-without-gpus-flag-no-cuda-device.txt",
                       "nvidia-smi__couldnt-communicate-and-devicequery-100-build-21343.txt"],
    "cuda.insufficient-driver": ["nbody__cuda-sample-blackscholes-code35-insufficient-driver-build-18363.txt"],
    "cuda.container-without-gpus": ["tensorflow__num-gpus-0-container-started-without-gpus-flag.txt"],
    "tensorflow.no-gpu-listed": ["tensorflow__num-gpus-0-container-started-without-gpus-flag.txt"],
    "cuda.sample-sees-no-devices": ["nbody__only-0-devices-nvidia-disable-require-470.txt"],
    "cuda.device-count-init-error": ["pytorch__wsl-cudagetdevicecount-error-2-out-of-memory.txt"],
    "tensorflow.cannot-dlopen-gpu-libraries": ["tensorflow__tf216-pip-and-cuda-wsl-cannot-dlopen-gpu-libraries.txt"],
    "reticulate.python-without-tensorflow": ["r-keras__reticulate-python-env-var-points-to-python-without-tf.txt"],
    "reticulate.tensorflow-not-found": ["r-keras__installation-of-tensorflow-not-found-reticulate-bug.txt",
                                        "r-keras__tf-config-use-python-forced-system-python-without-numpy.txt"],
    "keras.install-prerequisites-missing": ["r-keras__install-keras-gpu-in-rocker-missing-pip-virtualenv.txt"],
    "rpy2.libr-not-found": ["rpy2__libR-so-not-found-rocker-r-ver-pip-rpy2.txt",
                            "rpy2__3.5.7-ignores-r-home-looks-in-lib64.txt",
                            "rpy2__r-home-tilde-conda-env-cannot-find-system-renviron.txt"],
    "rpy2.r-home-undetermined": ["rpy2__r-home-undetermined-during-docker-build.txt"],
    "rpy2.r-home-wrong": ["rpy2__r-home-tilde-conda-env-cannot-find-system-renviron.txt"],
    "rpy2.r-home-ignored": ["rpy2__3.5.7-ignores-r-home-looks-in-lib64.txt"],
}

# Near misses: real healthy wordings next to each error, which must not match it.
NEAR_MISSES = [
    ("docker.cli-context-elsewhere", "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. "
     "Is the docker daemon running?"),
    ("docker.cli-context-elsewhere", "ERROR: Cannot connect to the Docker daemon at unix:///run/docker.sock. "
     "Is the docker daemon running?"),
    ("tensorflow.cuda-library-not-loaded", "I tensorflow/stream_executor/platform/default/dso_loader.cc:49] "
     "Successfully opened dynamic library libcudart.so.11.0"),
    ("tensorflow.cuda-library-not-loaded", "W tensorflow/compiler/xla/stream_executor/platform/default/"
     "dso_loader.cc:64] Could not load dynamic library 'libnvinfer.so.7'; dlerror: libnvinfer.so.7: cannot open"),
    ("wsl.distro-is-wsl1", "Linux version 4.19.128-microsoft-standard (oe-user@oe-host) (gcc version 8.2.0 (GCC))"),
    ("wsl.distro-is-wsl1", " Kernel Version: 5.15.90.1-microsoft-standard-WSL2"),
    ("windows.build-without-gpu-pv", "Microsoft Windows [Version 10.0.19045.3803]"),
    ("windows.build-without-gpu-pv", "Microsoft Windows [Version 10.0.22631.3155]"),
    ("windows.build-without-gpu-pv", "Microsoft Windows [Version 10.0.20201.1000]"),
    ("wsl.list-shows-version-1", "  NAME      STATE           VERSION\n* Ubuntu    Running         2"),
    ("gpu.linux-driver-packages-in-wsl", "ii  nvidia-container-toolkit        1.14.3-1     amd64   NVIDIA Container toolkit"),
    ("gpu.linux-driver-packages-in-wsl", "un  nvidia-utils-470   <none>   <none>   (no description available)"),
    ("gpu.wsl-lib-without-libcuda", "libcuda.so  libcuda.so.1  libcuda.so.1.1  libd3d12.so  libd3d12core.so  "
     "libdxcore.so  libnvcuvid.so  libnvidia-ml.so.1  nvidia-smi"),
    ("nvidia-smi.cuda-version-err", "| NVIDIA-SMI 555.52.01   Driver Version: 555.99   CUDA Version: 12.5     |"),
    ("toolkit.dxcore-init-failed", "I1016 13:14:28.960625 24446 nvc.c:301] dxcore initialization succeeded"),
    ("docker.engine-is-docker-desktop", "Server: Docker Engine - Community\n Engine:\n  Version:          19.03.12"),
    ("nvidia-smi.segfault-wsl-driver", "Segmentation fault (core dumped)"),  # a segfault of some other program
    ("cuda.no-device", "Detected 1 CUDA Capable device(s)"),
    ("tensorflow.no-gpu-listed", "Num GPUs Available:  1"),
    ("gpu.no-dxg-device", "crw-rw-rw- 1 root root 10, 63 Dec  2 02:00 /dev/dxg"),
    ("docker.no-init-script", " * Starting Docker: docker                                  [ OK ]"),
    ("wsl.register-unspecified-error", "HRESULT 0x80004005 in some unrelated log line"),
]


def test_catalog_loads_enough_signatures_with_unique_ids():
    assert len(CATALOG) >= 60
    assert len(IDS) == len(CATALOG)


def test_layers_are_the_findings_layers():
    assert signature_catalog.LAYERS == LAYERS
    assert {sig.layer for sig in CATALOG} <= set(LAYERS)


@pytest.mark.parametrize("sig", CATALOG, ids=lambda sig: sig.id)
def test_every_signature_names_public_threads(sig):
    for url in sig.sources:
        assert re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+/(?:issues|pull)/\d+", url), url
    assert len(set(sig.sources)) == len(sig.sources)


@pytest.mark.parametrize("sig", CATALOG, ids=lambda sig: sig.id)
def test_fix_steps_follow_the_rules(sig):
    for step in sig.fix:
        assert bool(step.run) != bool(step.say)
        if step.run:
            assert step.shell in ("bash", "cmd", "powershell")
            assert not re.search(r"<[A-Za-z][\w -]*>", step.run)
        else:
            assert step.shell == ""
        braces = re.findall(r"(?<![{$])\{([A-Za-z_]\w*)\}(?!\})", step.run or step.say)
        assert set(braces) <= {"distro", "user", "image"}


BASH_STEPS = [(sig.id, n, step.run) for sig in CATALOG for n, step in enumerate(sig.fix, 1) if step.shell == "bash"]


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
@pytest.mark.parametrize("sig_id,number,run", BASH_STEPS, ids=[f"{i}-{n}" for i, n, _ in BASH_STEPS])
def test_bash_steps_parse(sig_id, number, run):
    result = subprocess.run(["bash", "-n"], input=run, capture_output=True, text=True)
    assert result.returncode == 0, f"{sig_id} fix[{number}]: {result.stderr}"


def test_a_2020_recipe_never_reaches_the_current_profile():
    # profile.fix_lineage(current) = wsl, current, documented: a signature with a `documented` fix writes `current` out
    assert [sig.id for sig in CATALOG if "documented" in dict(sig.profiles) and "current" not in dict(sig.profiles)] == []


def test_every_signature_has_a_real_format():
    shown = {sig_id for sig_id, _, _ in EXCERPTS} | set(CORPUS_FORMATS)
    assert IDS - shown == set()
    assert shown - IDS == set()  # no example for a signature that is gone


@pytest.mark.parametrize("sig_id,source,excerpt", EXCERPTS, ids=[f"{i}@{s.rsplit('/', 3)[-3]}#{s.rsplit('/', 1)[-1]}"
                                                                    for i, s, _ in EXCERPTS])
def test_signature_matches_real_excerpt(sig_id, source, excerpt):
    hits = match(excerpt)
    assert sig_id in [hit.id for hit in hits], (source, [hit.id for hit in hits])
    hit = next(hit for hit in hits if hit.id == sig_id)
    assert hit.line and hit.line in excerpt.replace("\r", "")


CORPUS_CASES = [(sig_id, name) for sig_id, names in CORPUS_FORMATS.items() for name in names]


@pytest.mark.parametrize("sig_id,name", CORPUS_CASES, ids=[f"{i}@{n[:40]}" for i, n in CORPUS_CASES])
def test_signature_matches_corpus_transcript(sig_id, name):
    assert sig_id in [hit.id for hit in match(corpus_text(name))]


@pytest.mark.parametrize("sig_id,text", NEAR_MISSES, ids=[f"{i}-{n}" for n, (i, _) in enumerate(NEAR_MISSES)])
def test_near_misses_do_not_match(sig_id, text):
    assert sig_id in IDS
    assert sig_id not in [hit.id for hit in match(text)]


HEALTHY = corpus_entries("healthy")


@pytest.mark.skipif(not HEALTHY, reason="shared corpus index not present")
@pytest.mark.parametrize("entry", HEALTHY, ids=[e["file"][:60] for e in HEALTHY])
def test_no_signature_matches_a_healthy_transcript(entry):
    text = corpus_text(entry["file"])
    assert [hit.id for hit in match(text)] == []  # command unknown: every signature applies
    assert [hit.id for hit in match(text, command=entry["command"])] == []


def test_broken_corpus_coverage_floor():
    broken = corpus_entries("broken")
    if not broken:
        pytest.skip("shared corpus index not present")
    matched = [e for e in broken if match(corpus_text(e["file"]), command=e["command"])]
    assert len(matched) / len(broken) >= 0.9, sorted(set(e["file"] for e in broken) - {e["file"] for e in matched})


# ---------------------------------------------------------------- the matcher's contract

def test_empty_none_and_binary_input_give_no_match():
    rng = random.Random(7)
    assert match("") == match(None) == match("   \n\n") == []
    assert match(bytes(rng.randrange(256) for _ in range(200_000))) == []
    assert match("".join(chr(rng.randrange(1, 0x2FFF)) for _ in range(200_000))) == []


def test_order_is_confidence_first_and_each_signature_once():
    text = ("Error response from daemon: OCI runtime create failed: error running hook #0: error running hook: "
            "exit status 1, stdout: , stderr: nvidia-container-cli: requirement error: unsatisfied condition: "
            "cuda>=11.2, please update your driver\nCUDA Version: ERR!\nCUDA Version: ERR!")
    ids = [hit.id for hit in match(text)]
    assert ids[0] == "toolkit.cuda-requirement-unsatisfied"  # high before medium before low
    assert ids.index("nvidia-smi.cuda-version-err") < ids.index("toolkit.prestart-hook-failed")
    assert len(ids) == len(set(ids))


def test_matched_line_is_the_whole_stripped_line_and_bounded():
    text = "noise\n   " + "x" * 500 + " could not select device driver \"\" with capabilities: [[gpu]]" + "y" * 500
    hit = match(text)[0]
    assert hit.id == "toolkit.no-gpu-driver-selected"
    assert hit.line.startswith("xxx") and len(hit.line) == signature_catalog.EVIDENCE_LIMIT
    assert match("a\n  docker: unrecognized service  \nb")[0].line == "docker: unrecognized service"
    # 'İ' lowers to two characters: the line is still the right one
    assert match("İstanbul İ\nx\n docker: unrecognized service\n")[0].line == "docker: unrecognized service"


def test_command_filter_applies_command_specific_signatures_only_to_their_command():
    listing = "libd3d12.so  libd3d12core.so  libdirectml.so  libdxcore.so"
    assert [h.id for h in match(listing)] == ["gpu.wsl-lib-without-libcuda"]  # unknown command: applies
    assert [h.id for h in match(listing, command="ls /usr/lib/wsl/lib")] == ["gpu.wsl-lib-without-libcuda"]
    assert [h.id for h in match(listing, command="sudo ls -l /usr/lib/wsl/lib")] == ["gpu.wsl-lib-without-libcuda"]
    assert match(listing, command="cat /tmp/notes.txt") == []
    assert [h.id for h in match("Ubuntu    Stopped         1", command="wsl.exe -l -v")] == ["wsl.list-shows-version-1"]
    assert match("Ubuntu    Stopped         1", command="docker ps") == []


def test_layer_filter():
    text = "Got permission denied while trying to connect to the Docker daemon socket\nCUDA Version: ERR!"
    assert {h.id for h in match(text)} == {"docker.socket-permission-denied", "nvidia-smi.cuda-version-err"}
    assert [h.id for h in match(text, layer="gpu")] == ["nvidia-smi.cuda-version-err"]
    assert match(text, layer="rpy2") == []


def write_catalog(tmp_path: Path, body: str) -> tuple:
    path = tmp_path / "catalog.toml"
    path.write_text(body, encoding="utf-8")
    return load_catalog(path)


ENTRY = """
[[signature]]
id = "test.{name}"
layer = "docker"
commands = ["*"]
patterns = ['boom \\d+']
{extra}
cause = "A test cause."
where = "the distro"
fix = [ {{ say = "Do the thing." }} ]
source = "https://github.com/example/example/issues/1"
confidence = "high"
"""


def test_exit_codes_and_not_patterns(tmp_path):
    catalog = write_catalog(tmp_path, ENTRY.format(name="coded", extra="exit_codes = [125]")
                            + ENTRY.format(name="voided", extra="not_patterns = ['all is well']"))
    assert [h.id for h in match("boom 1", catalog=catalog)] == ["test.coded", "test.voided"]
    assert [h.id for h in match("boom 1", exit_code=125, catalog=catalog)] == ["test.coded", "test.voided"]
    assert [h.id for h in match("boom 1", exit_code=1, catalog=catalog)] == ["test.voided"]
    assert [h.id for h in match("boom 1\nall is well", catalog=catalog)] == ["test.coded"]
    assert match("BOOM 7", catalog=catalog)[0].matched == "boom 7"  # case-insensitive


BAD_ENTRIES = [
    ("layer", 'layer = "kernel"'),
    ("patterns", "patterns = ['unclosed (group']"),
    ("patterns", "patterns = []"),
    ("fix[1]", 'fix = [ { run = "ls", say = "and words" } ]'),
    ("fix[1]", 'fix = [ { run = "ls" } ]'),
    ("fix[1]", 'fix = [ { run = "wsl --set-version <distro> 2", shell = "powershell" } ]'),
    ("fix[1]", 'fix = [ { run = "# only a comment", shell = "bash" } ]'),
    ("fix[1]", 'fix = [ { run = "export LD_LIBRARY_PATH=/usr/lib/wsl/lib", shell = "bash" } ]'),
    ("fix[1]", 'fix = [ { say = "Restart {machine}." } ]'),
    ("source", 'source = "see the forum"'),
    ("confidence", 'confidence = "certain"'),
    ("id", 'id = "NoDots"'),
    ("colour", 'colour = "red"'),
]


@pytest.mark.parametrize("field_name,line", BAD_ENTRIES, ids=[f"{f}-{n}" for n, (f, _) in enumerate(BAD_ENTRIES)])
def test_malformed_entry_raises_one_line_error_naming_id_and_field(tmp_path, field_name, line):
    key = line.split("=", 1)[0].strip()
    good = ENTRY.format(name="bad", extra="")
    lines = [text for text in good.splitlines() if not text.startswith(key + " ")]
    body = "\n".join(lines) + "\n"
    body = body.replace("[[signature]]\n", f"[[signature]]\n{line}\n", 1)
    with pytest.raises(ValueError) as raised:
        write_catalog(tmp_path, body)
    message = str(raised.value)
    assert "\n" not in message
    assert f"field {field_name}" in message
    assert "signature test.bad" in message or key == "id"


def test_duplicate_ids_are_refused(tmp_path):
    with pytest.raises(ValueError, match="test.twice: field id: duplicate"):
        write_catalog(tmp_path, ENTRY.format(name="twice", extra="") * 2)


def test_bounded_time_on_ten_megabytes():
    rng = random.Random(3)
    words = ["error", "failed", "nvidia", "docker", "cuda", "driver", "libcuda.so", "WSL", "segmentation", "fault",
             "iptables", "denied", "could", "not", "load", "library", "running", "stopped", "0x8007", "nvml:"]
    lines, size = [], 0
    while size < 10_000_000:
        line = " ".join(rng.choice(words) for _ in range(rng.randint(3, 20)))
        lines.append(line)
        size += len(line) + 1
    for text in ("\n".join(lines), "".join(rng.choices(string.printable, k=10_000_000)), "a" * 10_000_000):
        started = time.process_time()  # CPU time: other processes on a busy machine do not count
        assert match(text) == []
        assert time.process_time() - started < 2.5  # measured 0.06-1.1 s here; see docs/signatures.md


def test_error_deep_in_ten_megabytes_is_found():
    noise = ("I0101 00:00:00.000000 1 nvc.c:1] harmless line\n" * 220_000)
    text = noise + "nvidia-container-cli: initialization error: nvml error: driver not loaded\n" + noise
    started = time.process_time()
    hits = match(text)
    assert time.process_time() - started < 2.5
    assert [h.id for h in hits] == ["toolkit.nvml-driver-not-loaded"]


def test_module_examples():
    from wslgpu_certify.signatures import matcher

    result = doctest.testmod(matcher)
    assert result.attempted > 0 and result.failed == 0


def test_coverage_bench_prints_its_figures():
    if not (CORPUS / "index.yaml").is_file():
        pytest.skip("shared corpus index not present")
    result = subprocess.run([sys.executable, str(REPO / "bench" / "signature_coverage.py"), "--corpus", str(CORPUS)],
                            capture_output=True, text=True, env={"PYTHONPATH": str(REPO / "plugins"),
                                                                 "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    assert re.search(r"broken transcripts matched: \d+/\d+", result.stdout)
    assert re.search(r"false matches on healthy: \d+/\d+", result.stdout)


@pytest.mark.parametrize("engine, offered, withheld", [
    ("desktop", {"docker.desktop-integration-off"}, {"docker.desktop-shim-without-integration"}),
    ("distro", {"docker.desktop-shim-without-integration"}, {"docker.desktop-integration-off"}),
])
def test_a_signature_for_one_engine_is_not_offered_under_the_other(engine, offered, withheld):
    """`engine` in known_causes.toml: "install Docker Engine" is no fix where Docker Desktop is the profile's."""
    text = "The command 'docker' could not be found in this WSL 2 distro.\n"
    ids = {hit.id for hit in match(text, engine=engine)}
    assert offered <= ids and not withheld & ids, ids
    assert offered | withheld <= {hit.id for hit in match(text)}  # no engine given: every signature applies


def test_the_bundled_catalog_compiles_strictly_and_its_lazy_patterns_match_alike():
    """Every run loads the bundled catalog with patterns compiled on first search (parsers/_regex.py, LazyRegex); by its
    path it loads strictly, every pattern compiled, so a bad one fails here; both give the same matches."""
    strict = load_catalog(signature_catalog.CATALOG)
    assert [s.id for s in strict] == [s.id for s in CATALOG]
    assert all(isinstance(p, re.Pattern) for s in strict for p in (*s.compiled, *s.compiled_not))
    assert all(isinstance(p, LazyRegex) for s in CATALOG for p in (*s.compiled, *s.compiled_not))
    assert [p.pattern for s in strict for p in s.compiled] == [p.pattern for s in CATALOG for p in s.compiled]
    for _, _, text in EXCERPTS:
        assert [(m.id, m.line) for m in match(text)] == [(m.id, m.line) for m in match(text, catalog=strict)]
