"""Jupyter layer: the TensorFlow-Jupyter container of setup-guide §4.1, started once by the suite.

`docker_host` holds the start record and log of the container (containers.py);
`tensorflow_container` runs commands inside it; HTTP is tried from the distro
(`wsl_host`) on the port Docker published, and from Windows as localhost.
"""

import pytest

from wslgpu_certify import CheckFailed, check, prefetch, publish, read
from wslgpu_certify.container_checks import (
    check_gpu_granted,
    check_started,
    jupyter_url,
    published_port,
    start_record,
)
from wslgpu_certify.probes import containers

pytestmark = pytest.mark.usefixtures("_prefetch_slow_container_steps")  # slow steps start with the first (containers/fixtures.py)

ROLE = "tensorflow"


@check("jupyter.container.started")
def test_container_started(docker_host):
    check_started(docker_host, ROLE)


@check("jupyter.container.gpu")
def test_gpu_request_granted(docker_host):
    check_gpu_granted(docker_host, ROLE)


@check("jupyter.tensorflow.gpu")
@prefetch("tensorflow_container", containers.TF_GPUS)
def test_tensorflow_lists_gpu(tensorflow_container):
    gpus = read(tensorflow_container, containers.TF_GPUS)
    publish("tensorflow_gpus", ", ".join(gpus) or "none")
    if not gpus:
        log = read(tensorflow_container, containers.TF_DEVICE_LOG)
        cause = "; ".join(log.cuda_errors) or "no CUDA error logged (a CPU-only TensorFlow build?)"
        raise CheckFailed(f"tf.config.list_physical_devices('GPU') is empty: {cause}")


@check("jupyter.tensorflow.device_log")
@prefetch("tensorflow_container", containers.TF_DEVICE_LOG)
def test_tensorflow_device_log(tensorflow_container, profile):
    log = read(tensorflow_container, containers.TF_DEVICE_LOG)
    publish("gpu", ", ".join(log.gpu_names) or "none")
    publish("cuda_libraries", ", ".join(log.opened_libraries) or "none logged")
    gpu_devices = [d for d in log.created_devices if "GPU" in d]
    if not gpu_devices:
        raise CheckFailed("the TensorFlow log shows no `Created ... device ... GPU:0` line"
                          + (f": {'; '.join(log.cuda_errors)}" if log.cuda_errors else ""))
    expected = profile.get("containers", {}).get("tensorflow_log_libraries", [])
    missing = [lib for lib in expected if not any(opened.startswith(lib) for opened in log.opened_libraries)]
    if missing:
        raise CheckFailed(f"TensorFlow created {gpu_devices[0]} but its log shows no "
                          f"`Successfully opened dynamic library` for {', '.join(missing)}")


def _jupyter_status(host, probe, docker_host, profile, *, host_name="127.0.0.1", token=True):
    """HTTP status of Jupyter's /api/status on the published port, with or without the token."""
    record = start_record(docker_host, ROLE)
    port = published_port(record, int(profile["ports"]["jupyter"]))
    server = jupyter_url(docker_host, ROLE)
    url = containers.JUPYTER_API.format(host=host_name, port=port) + (f"?token={server.token}" if token else "")
    return read(host, probe, url=url), port


@check("jupyter.server.token")
def test_jupyter_answers_with_token(wsl_host, docker_host, profile):
    status, port = _jupyter_status(wsl_host, containers.HTTP_STATUS, docker_host, profile)
    publish("jupyter", f"http://127.0.0.1:{port}/ (container port {profile['ports']['jupyter']})")
    if status != 200:
        raise CheckFailed(f"Jupyter on 127.0.0.1:{port} answered HTTP {status or 'nothing'} with its token, not 200")


@check("jupyter.server.refuses_without_token")
def test_jupyter_refuses_without_token(wsl_host, docker_host, profile):
    status, port = _jupyter_status(wsl_host, containers.HTTP_STATUS, docker_host, profile, token=False)
    # 401/403 from the API, or a redirect to the login page
    if status not in (301, 302, 303, 307, 401, 403):
        raise CheckFailed(f"Jupyter on 127.0.0.1:{port} answered HTTP {status or 'nothing'} without a token: "
                          + ("it is open to anyone who can reach the port" if status == 200 else "expected 403"))


@check("jupyter.server.windows_localhost")
def test_jupyter_from_windows(windows_host, docker_host, profile):
    status, port = _jupyter_status(windows_host, containers.WINDOWS_HTTP_STATUS, docker_host, profile, host_name="localhost")
    if status == 0:  # the probe prints 000 when no connection was made (refused, timed out)
        raise CheckFailed(f"from Windows, nothing answered on localhost:{port}, where Jupyter answers inside WSL: "
                          f"WSL 2 does not forward the port to Windows")
    if status != 200:
        raise CheckFailed(f"from Windows, http://localhost:{port}/ answered HTTP {status}, not 200")
