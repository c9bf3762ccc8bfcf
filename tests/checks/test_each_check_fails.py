"""Every check not covered by the diagnosis matrix, seen failing on a one-fact mutation of the healthy snapshot.

Each row overrides one or two recorded commands of documented-healthy.json and names the
check that must fail, a phrase of its message and a phrase of its fix.
"""

import json
from dataclasses import replace

import pytest

from suite_run import SNAPSHOTS, mutated, replay_rows
from wslgpu_certify.parsers.containers import parse_start_record
from wslgpu_certify.probes import containers as cf
from wslgpu_certify.probes.probe import command_for

# One worker replays this module's batch (tests/pytest.ini: --dist loadgroup), not each worker the whole batch.
pytestmark = pytest.mark.xdist_group("each-check-fails")

HEALTHY = json.loads((SNAPSHOTS / "documented-healthy.json").read_text())
NBODY = "docker run --rm --gpus all nvcr.io/nvidia/k8s/cuda-sample:nbody nbody -gpu -benchmark"
SMI = HEALTHY["hosts"]["wsl"]["/usr/lib/wsl/lib/nvidia-smi"]["stdout"]
DOCKER_VERSION = HEALTHY["hosts"]["wsl"]["docker version"]["stdout"]
DOCKER_INFO = HEALTHY["hosts"]["wsl"]["docker info"]["stdout"]


def out(stdout, stderr="", rc=0):
    return {"exit_status": rc, "stdout": stdout, "stderr": stderr}


def dism_disabled(name):
    return out(f"Feature Name : {name}\nState : Disabled\n\nThe operation completed successfully.\n")


# ---- the container layers: start records (role "docker"), commands in the containers, HTTP from outside

WSL = HEALTHY["hosts"]["wsl"]
FRESH_LOGIN = next(c for c in HEALTHY["hosts"]["windows"] if c.startswith("wsl.exe -d Ubuntu -e bash -lic"))
JUPYTER_NO_TOKEN = "curl -s -o /dev/null -w '%{http_code}' --max-time 10 'http://127.0.0.1:49153/api/status'"
JUPYTER_FROM_WINDOWS = next(c for c in HEALTHY["hosts"]["windows"] if c.startswith("powershell.exe") and "49153" in c)


def start(role, **changes):
    """The healthy `start <role>` record with some fields changed, as containers.DockerRecords writes it."""
    record = replace(parse_start_record(HEALTHY["hosts"]["docker"][f"start {role}"]["stdout"]), **changes)
    return out(record.to_text(), record.error or "", rc=0 if record.started else 1)


def not_started(role, error):
    return start(role, started=False, gpu=False, gpu_error=None, container=None, ports={}, error=error)


def tf_log(*lines):
    return "".join(f"2020-11-24 10:20:31.{100 + 37 * i:06d}: {line}\n" for i, line in enumerate(lines))


CREATED_GPU0 = ("I tensorflow/core/common_runtime/gpu/gpu_device.cc:1241] Created TensorFlow device "
                "(/job:localhost/replica:0/task:0/device:GPU:0 with 6745 MB memory) -> physical GPU (device: 0, "
                "name: GeForce RTX 2070, pci bus id: 0000:01:00.0, compute capability: 7.5)")
NO_LIBCUDA = (
    "W tensorflow/stream_executor/platform/default/dso_loader.cc:59] Could not load dynamic library 'libcuda.so.1'; "
    "dlerror: libcuda.so.1: cannot open shared object file: No such file or directory; "
    "LD_LIBRARY_PATH: /usr/local/nvidia/lib:/usr/local/nvidia/lib64",
    "W tensorflow/stream_executor/cuda/cuda_driver.cc:312] failed call to cuInit: UNKNOWN ERROR (303)",
)
TF = "/usr/local/lib/python3.6/dist-packages/tensorflow/python"
BLAS_GEMM_FAILED = tf_log(
    "I tensorflow/stream_executor/platform/default/dso_loader.cc:48] Successfully opened dynamic library libcudart.so.10.1",
    "I tensorflow/stream_executor/platform/default/dso_loader.cc:48] Successfully opened dynamic library libcuda.so.1",
    "I tensorflow/stream_executor/platform/default/dso_loader.cc:48] Successfully opened dynamic library libcublas.so.10",
    CREATED_GPU0,
    "E tensorflow/stream_executor/cuda/cuda_blas.cc:225] failed to create cublas handle: CUBLAS_STATUS_NOT_INITIALIZED",
    "W tensorflow/stream_executor/stream.cc:1455] attempting to perform BLAS operation using StreamExecutor without BLAS support",
) + f"""Traceback (most recent call last):
  File "<string>", line 1, in <module>
  File "{TF}/util/dispatch.py", line 201, in wrapper
    return target(*args, **kwargs)
  File "{TF}/ops/math_ops.py", line 3253, in matmul
    a, b, transpose_a=transpose_a, transpose_b=transpose_b, name=name)
  File "{TF}/ops/gen_math_ops.py", line 5624, in mat_mul
    _ops.raise_from_not_ok_status(e, name)
  File "{TF}/framework/ops.py", line 6843, in raise_from_not_ok_status
    six.raise_from(core._status_to_exception(e.code, message), None)
  File "<string>", line 3, in raise_from
tensorflow.python.framework.errors_impl.InternalError: Blas GEMM launch failed : a.shape=(256, 256), b.shape=(256, 256), m=256, n=256, k=256 [Op:MatMul]
"""
# The TensorFlow image run with -u uid:gid but without a writable /.local: Jupyter exits before printing its URL.
JUPYTER_EXITED = HEALTHY["hosts"]["docker"]["logs tensorflow"]["stdout"].split("[I ")[0] + """Traceback (most recent call last):
  File "/usr/local/bin/jupyter-notebook", line 8, in <module>
    sys.exit(main())
  File "/usr/local/lib/python3.6/dist-packages/jupyter_core/application.py", line 270, in launch_instance
    return super(JupyterApp, cls).launch_instance(argv=argv, **kwargs)
  File "/usr/local/lib/python3.6/dist-packages/traitlets/config/application.py", line 663, in launch_instance
    app.initialize(argv)
  File "/usr/local/lib/python3.6/dist-packages/jupyter_core/application.py", line 251, in migrate_config
    migrate()
  File "/usr/lib/python3.6/os.py", line 220, in makedirs
    mkdir(name, mode)
PermissionError: [Errno 13] Permission denied: '/.local'
"""
# WINDOWS_HTTP_STATUS when nothing listens on localhost:<port> in Windows: Invoke-WebRequest's WebException has no
# response, so the probe prints 000 and the exception's message (and exits 0).
WINDOWS_NOTHING_ANSWERED = "000\nUnable to connect to the remote server\n"
GPU_REFUSED = 'could not select device driver "" with capabilities: [[gpu]]'
CUDA_REQUIREMENT = ("OCI runtime create failed: container_linux.go:370: starting container process caused: "
                    "process_linux.go:459: container init caused: Running hook #0:: error running hook: exit status 1, "
                    "stdout: , stderr: nvidia-container-cli: requirement error: unsatisfied condition: cuda>=11.0, "
                    "please update your driver to a newer version, or use an earlier cuda container: unknown")
NO_INIT = ('OCI runtime create failed: container_linux.go:370: starting container process caused: '
           'exec: "/init": stat /init: no such file or directory: unknown')
R_NO_TENSORFLOW = """Error in py_module_import(module, convert = convert) : 
  ModuleNotFoundError: No module named 'tensorflow'
Calls: <Anonymous> -> py_module_import -> .Call
Execution halted
"""
MNIST_DOWNLOAD_FAILED = """Downloading data from https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz
Error in py_call_impl(callable, dots$args, dots$keywords) : 
  Exception: URL fetch failure on https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz: None -- [Errno -3] Temporary failure in name resolution
Calls: dataset_mnist -> <Anonymous> -> py_call_impl
Execution halted
"""
SHORT_TRAINING = command_for(cf.SHORT_TRAINING, {"epochs": 1})
# rpy2 3.3 in ABI mode (no API extension built) with a stale R_HOME: the rpy2#859 error.
RPY2_ABI_STALE_R_HOME = HEALTHY["hosts"]["container:rstudio"][cf.RPY2_SITUATION.command]["stdout"].replace(
    "Environment variable R_HOME: None", "Environment variable R_HOME: /usr/local/lib/R").replace(
    "Loading R library from rpy2: OK",
    "Loading R library from rpy2: cannot load library '/usr/local/lib/R/lib/libR.so': "
    "/usr/local/lib/R/lib/libR.so: cannot open shared object file: No such file or directory")


SITE_PROFILE = """extends = "documented"
name = "site"
[windows]
export_path = 'C:\\wslbackup\\ubuntu.tar'
imported_distros = ["ubuntu_gpu"]
store_wsl = ">=2.0"
"""
# `wsl --version` of a Store WSL 1.x (its real layout: https://github.com/microsoft/WSL/issues/10975 shows 2.x's).
STORE_WSL_1 = ("WSL version: 1.2.5.0\nKernel version: 5.15.90.1\nWSLg version: 1.0.51\nMSRDC version: 1.2.3770\n"
               "Direct3D version: 1.608.2-61064218\nDXCore version: 10.0.25131.1002-220531-1700.rs-onecore-base2-hyp\n"
               "Windows version: 10.0.22621.1848\n")

MUTATIONS = {
    "windows.wsl.store": ("windows", {"wsl.exe --version": out(STORE_WSL_1)},
                          "Store WSL 1.2.5.0 does not satisfy >=2.0", "wsl.exe --update"),
    "windows.feature.{feature}": ("windows", {
        "dism.exe /online /get-featureinfo /featurename:Microsoft-Windows-Subsystem-Linux": dism_disabled("Microsoft-Windows-Subsystem-Linux"),
        "dism.exe /online /get-featureinfo /featurename:VirtualMachinePlatform": dism_disabled("VirtualMachinePlatform"),
    }, "is Disabled", "dism.exe /online /enable-feature"),
    "windows.wsl.default_version": ("windows", {"wsl.exe --status": out("Default Distribution: Ubuntu\nDefault Version: 1\n")},
                                    "default WSL version is 1", "wsl.exe --set-default-version 2"),
    "windows.distro.installed": ("windows", {"wsl.exe --list --verbose": out("  NAME            STATE           VERSION\n* Ubuntu-18.04    Running         2\n")},
                                 "is not installed", "wsl.exe --install -d"),
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
    # Opt-in (--prove-autostart, EXTRA_ARGS): after `wsl --shutdown` the login shell polls 40 s for Docker.
    "wsl.autostart.proof": ("windows", {FRESH_LOGIN: out(
        "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n" * 40,
        "bash: cannot set terminal process group (-1): Inappropriate ioctl for device\nbash: no job control in this shell\n",
        rc=1)}, "Docker never answered", "tail -n 8 ~/.bashrc"),
    "docker.engine.community": ("wsl", {"docker version": out(DOCKER_VERSION.replace("Server: Docker Engine - Community", "Server: Mirantis Container Runtime"))},
                                "Mirantis Container Runtime", "get.docker.com"),
    "docker.engine.in_distro": ("wsl", {"docker info": out(DOCKER_INFO.replace("Operating System: Ubuntu 20.04.1 LTS", "Operating System: Docker Desktop"))},
                                "not a daemon in this distro", "docker context use default"),
    "docker.package.{package}": ("wsl", {
        "dpkg-query -W -f='${Package}\\t${Version}\\t${db:Status-Abbrev}\\n' nvidia-docker2 nvidia-container-toolkit libnvidia-container1 libnvidia-container-tools":
        out("nvidia-docker2\t2.0.3-1\tii \nnvidia-container-toolkit\t1.0.5-1\tii \nlibnvidia-container1\t1.0.7-1\tii \nlibnvidia-container-tools\t1.0.7-1\tii \n")},
        "does not satisfy", "apt install -y nvidia-docker2"),
    "docker.runtime.configured": ("wsl", {"cat /etc/docker/daemon.json": out('{"log-driver": "json-file"}\n')},
                                  "registers no `nvidia` runtime", "sudo tee /etc/docker/daemon.json"),  # documented: no nvidia-ctk
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
    # ---- jupyter (jupyter.tensorflow.gpu fails in the matrix: broken-tf-no-gpu)
    "jupyter.container.started": ("docker", {
        "start tensorflow": not_started("tensorflow", "No such image: tensorflow/tensorflow:latest-gpu-py3-jupyter")},
        "did not start: No such image", "docker pull"),
    "jupyter.container.gpu": ("docker", {"start tensorflow": start("tensorflow", gpu=False, gpu_error=GPU_REFUSED)},
                              "refused the GPU request", "sudo apt-get install -y nvidia-docker2"),  # documented: the guide's toolkit
    "jupyter.tensorflow.device_log": ("container:tensorflow", {cf.TF_DEVICE_LOG.command: out("", BLAS_GEMM_FAILED, rc=1)},
                                      "Blas GEMM launch failed", "TF_CPP_MIN_LOG_LEVEL=0"),
    "jupyter.server.token": ("docker", {"logs tensorflow": out(
        JUPYTER_EXITED, "no Jupyter URL in the container log within 120 s (container exited, exit code 1)", rc=1)},
        "never printed its token URL", "grep token="),
    "jupyter.server.refuses_without_token": ("wsl", {JUPYTER_NO_TOKEN: out("200")},
                                             "open to anyone", "--NotebookApp.token"),
    # WSL 2 without localhost forwarding: nothing answers on the port from Windows (the probe prints 000).
    "jupyter.server.windows_localhost": ("windows", {JUPYTER_FROM_WINDOWS: out(WINDOWS_NOTHING_ANSWERED)},
                                         "nothing answered on localhost:49153", "localhostForwarding=true"),
    # ---- rstudio (rstudio.r.reticulate_python fails in the matrix: broken-reticulate-missing)
    "rstudio.container.started": ("docker", {"start rstudio": not_started("rstudio", NO_INIT)},
                                  "did not start", "-e PASSWORD="),
    "rstudio.container.gpu": ("docker", {"start rstudio": start("rstudio", gpu=False, gpu_error=CUDA_REQUIREMENT)},
                              "refused the GPU request", "NVIDIA_DISABLE_REQUIRE=1"),
    "rstudio.server.responds": ("container:rstudio", {
        command_for(cf.RSTUDIO_HTTP, {"port": 8787}): out("000\n<urlopen error [Errno 111] Connection refused>\n")},
        "answered HTTP nothing", "rstudio-server verify-installation"),
    "rstudio.server.password": ("container:rstudio", {
        command_for(cf.RSTUDIO_PASSWORD, {"user": "rstudio"}): out("password: rejected\n")},
        "is not the password of 'rstudio'", "chpasswd"),
    "rstudio.r.tensorflow": ("container:rstudio", {cf.R_TENSORFLOW.command: out("", R_NO_TENSORFLOW, rc=1)},
                             "exited with 1", "reticulate::py_config()"),
    "rstudio.r.keras": ("container:rstudio", {cf.R_KERAS.command: out("keras: missing\n")},
                        "keras is not installed", "r-cran-keras"),
    "rstudio.r.tensorflow_gpu": ("container:rstudio", {cf.R_TF_GPUS.command: out("[] \n", tf_log(*NO_LIBCUDA))},
                                 "lists no GPU", "list_physical_devices"),
    "rstudio.keras.short_training": ("container:rstudio", {SHORT_TRAINING: out(
        HEALTHY["hosts"]["container:rstudio"][SHORT_TRAINING]["stdout"], tf_log(*NO_LIBCUDA))},
        "it trained on the CPU", "is_keras_available()"),
    "rstudio.keras.guide_mnist": ("container:rstudio", {cf.GUIDE_MNIST.command: out("", MNIST_DOWNLOAD_FAILED, rc=1)},
                                  "exited with 1", "MNIST"),
    # ---- rpy2 (broken-rpy2-no-r fails at rpy2.ggplot.png: in API mode rpy2.situation never starts R)
    "rpy2.module.finds_r": ("container:rstudio", {cf.RPY2_SITUATION.command: out(RPY2_ABI_STALE_R_HOME)},
                            "rpy2 cannot load R: Loading R library from rpy2: cannot load library", "R RHOME"),
    "rpy2.ggplot.png": ("container:rstudio", {cf.GGPLOT_PNG.command: out("", (
        'Traceback (most recent call last):\n  File "<stdin>", line 2, in <module>\n'
        '  File "/usr/local/lib/python3.6/dist-packages/rpy2/robjects/lib/ggplot2.py", line 59, in <module>\n'
        "    ggplot2 = importr('ggplot2', on_conflict='warn')\n"
        '  File "/usr/local/lib/python3.6/dist-packages/rpy2/robjects/packages.py", line 471, in importr\n'
        "    'The R package \"%s\" is not installed.' % name\n"
        'rpy2.robjects.packages.PackageNotInstalledError: The R package "ggplot2" is not installed.\n'), rc=1)},
        'The R package "ggplot2" is not installed', "apt-get install -y r-cran-ggplot2"),
    "rpy2.notebook.png": ("container:rstudio", {cf.NOTEBOOK.command: out(
        'nbclient: {"error": "NoSuchKernel: No such kernel named python3", "outputs": []}\n')},
        "failed in the notebook: NoSuchKernel", "jupyter kernelspec list"),
}
NEEDS_SITE_PROFILE = {"windows.distro.template", "windows.distro.imported", "windows.distro.imported_user",
                      "windows.wsl.store"}
# The guide's 12-epoch MNIST run is selected only with -m slow (checks/test_rstudio.py); with -m slow the
# other checks are deselected, and the gate still evaluates its requirements (short training) on the spot.
EXTRA_ARGS = {"rstudio.keras.guide_mnist": ["-m", "slow"], "wsl.autostart.proof": ["--prove-autostart"]}


@pytest.fixture(scope="module")
def replays(tmp_path_factory):
    """Every row replayed as its own machine, one run of the product per set of options (suite_run.replay_rows)."""
    tmp = tmp_path_factory.mktemp("each-check-fails")
    (tmp / "site.toml").write_text(SITE_PROFILE)
    rows = {}
    for template, (role, commands, *_) in MUTATIONS.items():
        args = ["--cert-profile", str(tmp / "site.toml")] if template in NEEDS_SITE_PROFILE else []
        rows[template] = (mutated(SNAPSHOTS / "documented-healthy.json", {role: commands}),
                          (*args, *EXTRA_ARGS.get(template, [])))
    return replay_rows(tmp, rows)


@pytest.mark.parametrize("template", sorted(MUTATIONS))
def test_check_fails_with_its_fix(replays, template):
    _, _, message, fix = MUTATIONS[template]
    run = replays[template]
    prefix = template.split("{")[0]
    mine = [c for c in run.results["checks"] if c["id"].startswith(prefix) and c["outcome"] in ("failed", "warning", "error")]
    assert mine, f"{template} did not fail: {run.outcomes()}"
    for finding in mine:
        assert finding["outcome"] in ("failed", "warning"), finding
        assert message in finding["message"], finding["message"]
        assert any(fix in command for command in finding["remediation"]["commands"]), finding["remediation"]


SHOWN_FAILING = set(MUTATIONS)  # templates (test_diagnosis_matrix.py: every check is shown failing somewhere)
