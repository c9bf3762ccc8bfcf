"""RStudio layer: the RStudio image of setup-guide §4.2 (R + reticulate + keras on the TensorFlow image).

The container is started once by the suite (`-e PASSWORD=<random>`, free 127.0.0.1 ports for
8787 and 8888, the GPU request); when the profile maps this role to the same image as the
TensorFlow role, both layers use the one container.
"""

import pytest

from wslgpu_certify import CheckFailed, check, not_applicable, prefetch, publish, read
from wslgpu_certify.container_checks import check_gpu_granted, check_started
from wslgpu_certify.probes import containers

pytestmark = pytest.mark.usefixtures("_prefetch_slow_container_steps")  # slow steps start with the first (containers/fixtures.py)

ROLE = "rstudio"


COMPONENTS = {"rstudio_server": "RStudio Server", "r_keras": "R keras package"}


def _expects(profile, component: str) -> None:
    """Skip when the profile declares the image has no such component (e.g. the CPU stand-in)."""
    if not profile.get("containers", {}).get(component, True):
        not_applicable(f"the profile's {ROLE} image has no {COMPONENTS[component]} "
                    f"([containers] {component} = false in profile {profile.get('name')})")


@check("rstudio.container.started")
def test_container_started(docker_host):
    check_started(docker_host, ROLE)


@check("rstudio.container.gpu")
def test_gpu_request_granted(docker_host):
    check_gpu_granted(docker_host, ROLE)


@check("rstudio.server.responds")
def test_server_responds(rstudio_container, profile):
    _expects(profile, "rstudio_server")
    if not read(rstudio_container, containers.RSERVER):
        raise CheckFailed("RStudio Server is not installed in the image (/usr/lib/rstudio-server/bin/rserver)")
    port = profile["ports"]["rstudio"]
    status = read(rstudio_container, containers.RSTUDIO_HTTP, port=port)
    if status != 200:  # the sign-in page, after the redirect from /
        raise CheckFailed(f"RStudio Server on port {port} in the container answered HTTP {status or 'nothing'}, not 200")


@check("rstudio.server.password")
def test_password_accepted(rstudio_container, profile):
    _expects(profile, "rstudio_server")  # the PASSWORD is RStudio Server's sign-in
    user = profile["rstudio"]["user"]
    verdict = read(rstudio_container, containers.RSTUDIO_PASSWORD, user=user)
    problems = {
        "unset": "the container has no PASSWORD: the suite's -e PASSWORD did not reach it",
        "default": "PASSWORD is the default `rstudio`, which the image refuses (RStudio does not start)",
        "no such user": f"there is no user {user!r} in the container",
        "rejected": f"the PASSWORD given with -e is not the password of {user!r} (/etc/shadow)",
    }
    if verdict != "accepted":
        raise CheckFailed(problems.get(verdict, f"unexpected password verdict {verdict!r}"))


@check("rstudio.r.reticulate_python")
def test_reticulate_python_set(rstudio_container, profile):
    wanted = profile["rstudio"]["reticulate_python"]
    value = read(rstudio_container, containers.RPROFILE_SITE)
    publish("RETICULATE_PYTHON", value or "unset")
    if value != wanted:
        raise CheckFailed(f"/etc/R/Rprofile.site sets RETICULATE_PYTHON to {value!r}, not {wanted!r}"
                          if value else "/etc/R/Rprofile.site does not set RETICULATE_PYTHON")


@check("rstudio.r.tensorflow")
@prefetch("rstudio_container", containers.R_TENSORFLOW)
def test_r_imports_tensorflow(rstudio_container, profile):
    seen = read(rstudio_container, containers.R_TENSORFLOW)
    publish("tensorflow", seen.get("tensorflow", "none"))
    if not seen.get("tensorflow"):
        raise CheckFailed("reticulate::import('tensorflow') printed no version")
    if seen.get("python") != profile["rstudio"]["reticulate_python"]:
        raise CheckFailed(f"R uses Python {seen.get('python')!r}, not RETICULATE_PYTHON "
                          f"{profile['rstudio']['reticulate_python']!r}")


@check("rstudio.r.keras")
def test_r_keras_available(rstudio_container, profile):
    _expects(profile, "r_keras")
    seen = read(rstudio_container, containers.R_KERAS)
    if seen.get("keras") in (None, "missing"):
        raise CheckFailed("the R package keras is not installed")
    publish("r_keras", seen["keras"])
    if seen.get("available") != "TRUE":
        raise CheckFailed(f"keras {seen['keras']} is installed but is_keras_available() is {seen.get('available')}")


@check("rstudio.r.tensorflow_gpu")
@prefetch("rstudio_container", containers.R_TF_GPUS)
def test_r_tensorflow_gpu(rstudio_container):
    gpus = read(rstudio_container, containers.R_TF_GPUS)
    publish("gpus", ", ".join(gpus) or "none")
    if not gpus:
        raise CheckFailed("TensorFlow called from R lists no GPU")


def _train(rstudio_container, probe, **values):
    run = read(rstudio_container, probe, **values)
    publish("gpu", ", ".join(run.log.gpu_names) or "none")
    if run.loss is None or run.accuracy is None:
        raise CheckFailed("the training printed no `Test loss:` / `Test accuracy:`"
                          + (f" ({'; '.join(run.log.cuda_errors)})" if run.log.cuda_errors else ""))
    publish("test_loss", run.loss)
    publish("test_accuracy", run.accuracy)
    if not any("GPU" in device for device in run.log.created_devices):
        raise CheckFailed("the training ran, but TensorFlow created no GPU device: it trained on the CPU")


@check("rstudio.keras.short_training")
def test_short_training(rstudio_container, profile):
    _train(rstudio_container, containers.SHORT_TRAINING, epochs=profile["rstudio"]["short_training_epochs"])


@pytest.mark.slow
@check("rstudio.keras.guide_mnist")
def test_guide_mnist(rstudio_container):
    """Opt-in (`opt_in = "-m slow"` in its catalog entry): not applicable unless asked for."""
    _train(rstudio_container, containers.GUIDE_MNIST)
