"""The container layers against a real Docker Engine and the CPU stand-in image.

The suite runs as a subprocess (this directory's pytest.ini disables the plugin), the way
a user runs it: `python -m pytest checks --env=linux --cert-profile=standin`. These tests pin
its verdicts on the stand-in, the number of container starts, the cleanup on every exit
path, and that replaying a recording gives the same verdicts.

Without a Docker Engine or the stand-in image they skip, except under CI=true, where
both are guaranteed and their absence is a failure.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ci_guarantees import unavailable

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "plugins"))  # the package may not be installed while it is written

from wslgpu_certify.containers.engine import LABEL_OWNER, LABEL_RUN
from wslgpu_certify.containers.manager import STATE_FILE  # noqa: E402

IMAGE = "local/wslgpu-standin:latest"
SUITE_TIMEOUT = 600
pytestmark = pytest.mark.docker

# The stand-in: a CPU image without RStudio Server and without R keras, on a daemon without
# the NVIDIA runtime. Every container-layer check id, with its exact verdict there.
EXPECTED = {
    "jupyter.container.started": "passed",
    "jupyter.container.gpu": "failed",  # the engine's `could not select device driver "" ...`
    "jupyter.tensorflow.gpu": "skipped",  # needs the GPU: consequence of jupyter.container.gpu
    "jupyter.tensorflow.device_log": "skipped",
    "jupyter.server.token": "passed",
    "jupyter.server.refuses_without_token": "passed",
    "jupyter.server.windows_localhost": "not_applicable",  # wsl_only
    "rstudio.container.started": "passed",  # the same container as the tensorflow role
    "rstudio.container.gpu": "skipped",  # the daemon's refusal is reported once, by jupyter.container.gpu
    "rstudio.server.responds": "not_applicable",  # [containers] rstudio_server = false in the standin profile
    "rstudio.server.password": "not_applicable",
    "rstudio.r.reticulate_python": "passed",
    "rstudio.r.tensorflow": "passed",
    "rstudio.r.keras": "not_applicable",  # [containers] r_keras = false
    "rstudio.r.tensorflow_gpu": "skipped",
    "rstudio.keras.short_training": "skipped",
    "rstudio.keras.guide_mnist": "not_applicable",
    "rpy2.module.finds_r": "passed",
    "rpy2.ggplot.png": "passed",
    "rpy2.notebook.png": "passed",
}
GPU_ROOT = "jupyter.container.gpu"
GPU_DEPENDENT = ("jupyter.tensorflow.gpu", "jupyter.tensorflow.device_log", "rstudio.container.gpu",
                 "rstudio.r.tensorflow_gpu", "rstudio.keras.short_training")  # guide_mnist: opt-in, not applicable


# ---- helpers ------------------------------------------------------------------------------------

def _unavailable(reason: str):
    unavailable(reason, "a Docker Engine and the stand-in image")


@pytest.fixture(scope="module")
def docker_client():
    try:
        import docker
    except ImportError:
        _unavailable("the Docker SDK for Python is not installed")
    try:
        client = docker.from_env(timeout=30)
        client.ping()
    except Exception as exc:
        _unavailable(f"no Docker Engine answers: {exc}")
    try:
        client.images.get(IMAGE)
    except docker.errors.ImageNotFound:
        _unavailable(f"the stand-in image {IMAGE} is absent: build it with sudo fixtures/images/standin/build.sh")
    yield client
    client.close()


def suite_command(reports: Path, *extra: str, paths=("checks",)) -> list[str]:
    return [sys.executable, "-m", "pytest", *paths, "--env=linux", "--cert-profile=standin",
            "--reports-dir", str(reports), "-p", "no:cacheprovider", "-q", *extra]


def run_suite(reports: Path, *extra: str, paths=("checks",)) -> subprocess.CompletedProcess:
    return subprocess.run(suite_command(reports, *extra, paths=paths), cwd=REPO, capture_output=True, text=True,
                          timeout=SUITE_TIMEOUT)


def results(reports: Path) -> dict:
    return json.loads((reports / "latest" / "results.json").read_text())


def verdicts(document: dict) -> dict[str, str]:
    return {c["id"]: c["outcome"] for c in document["checks"] if c["layer"] in ("jupyter", "rstudio", "rpy2")}


def run_id_of(reports: Path) -> str:
    return json.loads((reports / "latest" / STATE_FILE).read_text())["run"]


def containers_of_run(client, run_id: str) -> list:
    return client.containers.list(all=True, filters={"label": f"{LABEL_RUN}={run_id}"})


def starts_of_run(client, run_id: str, since: float, until: float) -> int:
    events = client.events(since=int(since), until=int(until) + 1, decode=True,
                           filters={"label": f"{LABEL_RUN}={run_id}", "event": "start", "type": "container"})
    return sum(1 for _ in events)


@pytest.fixture(scope="module")
def standin_run(docker_client, tmp_path_factory):
    """One recorded suite run on the stand-in, after planting a container a 'crashed' run left behind."""
    gone = subprocess.Popen(["true"])
    gone.wait()  # reaped: its pid names no process, like the owner of a crashed run
    stale = docker_client.containers.create(IMAGE, command=["true"], labels={
        LABEL_RUN: "crashed-run", LABEL_OWNER: f"{socket.gethostname()}:{gone.pid}"})
    tmp = tmp_path_factory.mktemp("standin")
    reports, recording = tmp / "reports", tmp / "standin-recording.json"
    started = time.time()
    proc = run_suite(reports, "--record", str(recording))
    finished = time.time()
    assert (reports / "latest" / "results.json").exists(), proc.stdout[-3000:] + proc.stderr[-3000:]
    return {"proc": proc, "reports": reports, "recording": recording, "started": started, "finished": finished,
            "stale": stale.id}


# ---- the verdicts ---------------------------------------------------------------------------------

def test_standin_verdicts(standin_run):
    assert verdicts(results(standin_run["reports"])) == EXPECTED


def test_gpu_refusal_is_one_failure_with_toolkit_remediation(standin_run):
    checks = {c["id"]: c for c in results(standin_run["reports"])["checks"]}
    root = checks[GPU_ROOT]
    assert 'could not select device driver "" with capabilities: [[gpu]]' in root["message"]
    fix = "\n".join(root["remediation"]["commands"])
    # the no_gpu_driver variant, as the stand-in's profile (it extends documented) installs it: the guide's recipe
    assert "apt-get install -y nvidia-docker2" in fix and "dockerd" in fix
    assert "nvidia-ctk" not in fix  # the guide's toolkit 1.3 has no nvidia-ctk
    for check_id in GPU_DEPENDENT:
        assert GPU_ROOT in checks[check_id]["message"], check_id
    # which container ran without a GPU, and why, is on the started check
    assert "NONE: started without the GPU request" in checks["jupyter.container.started"]["figures"]["gpu_request"]


def test_progress_names_the_container_step_a_check_waits_for(standin_run):
    from wslgpu_certify.hosts.runner import FIRST_TICK

    output = standin_run["proc"].stdout
    waited = [c for c in results(standin_run["reports"])["checks"]
              if c["layer"] in ("rstudio", "rpy2") and c["duration"] > FIRST_TICK + 1]
    if not waited:
        pytest.skip(f"no container check waited longer than {FIRST_TICK + 1:g} s on this machine")
    for check in waited:
        assert f"... {check['id']} waits " in output and " in container:rstudio" in output, output[-3000:]


def test_slow_steps_overlap(standin_run):
    """The slow rstudio/rpy2 steps were prefetched: their commands ran at the same time."""
    checks = {c["id"]: c for c in results(standin_run["reports"])["checks"]}
    slow = ("rstudio.r.tensorflow", "rpy2.ggplot.png", "rpy2.notebook.png")
    step_time = sum(e["duration"] for check_id in slow for e in checks[check_id]["evidence"]
                    if e["role"] == "container:rstudio")
    waited = sum(checks[check_id]["duration"] for check_id in slow)
    assert waited < 0.8 * step_time, (waited, step_time)


def test_ggplot_png_saved_as_evidence(standin_run):
    check = next(c for c in results(standin_run["reports"])["checks"] if c["id"] == "rpy2.ggplot.png")
    png = standin_run["reports"] / "latest" / check["figures"]["png"]
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_secrets_not_in_reports_or_recording(standin_run):
    reports = standin_run["reports"] / "latest"
    log = json.loads(standin_run["recording"].read_text())["hosts"]["docker"]["logs tensorflow"]["stdout"]
    assert "?token=<REDACTED>" in log
    for path in (reports / "results.json", standin_run["recording"]):
        text = path.read_text()
        assert "token=" not in text.replace("token=<REDACTED>", "")


# ---- starts and cleanup -------------------------------------------------------------------------------

def test_one_start_per_image_and_nothing_left(docker_client, standin_run):
    run_id = run_id_of(standin_run["reports"])
    # the standin profile maps tensorflow and rstudio to the same image: one container
    assert starts_of_run(docker_client, run_id, standin_run["started"], standin_run["finished"]) == 1
    assert containers_of_run(docker_client, run_id) == []


def test_stale_container_of_a_dead_run_removed(docker_client, standin_run):
    import docker

    with pytest.raises(docker.errors.NotFound):
        docker_client.containers.get(standin_run["stale"])


def test_xdist_starts_once_per_image(docker_client, tmp_path):
    reports = tmp_path / "reports"
    started = time.time()
    run_suite(reports, "-n", "3")
    run_id = run_id_of(reports)
    assert verdicts(results(reports)) == EXPECTED
    assert starts_of_run(docker_client, run_id, started, time.time()) == 1
    assert containers_of_run(docker_client, run_id) == []


@pytest.mark.parametrize("signum, returncode", [(signal.SIGINT, 2), (signal.SIGTERM, 128 + signal.SIGTERM)])
def test_interrupted_run_leaves_no_container(docker_client, tmp_path, signum, returncode):
    proc = subprocess.Popen(suite_command(tmp_path / "reports"), cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    owner = f"{socket.gethostname()}:{proc.pid}"
    deadline = time.monotonic() + 120
    running = []
    while not running and time.monotonic() < deadline and proc.poll() is None:
        running = docker_client.containers.list(filters={"label": f"{LABEL_OWNER}={owner}", "status": "running"})
        time.sleep(0.2)
    assert running, "the suite never started its container"
    run_id = running[0].labels[LABEL_RUN]
    time.sleep(1.5)  # in the middle of the container checks (R and rpy2 take seconds each)
    proc.send_signal(signum)
    output, _ = proc.communicate(timeout=120)
    assert proc.returncode == returncode, output[-2000:]
    assert containers_of_run(docker_client, run_id) == []
    document = results(tmp_path / "reports")  # what ran is reported, never certified
    assert document["complete"] is False and document["verdict"] == "NOT CERTIFIED", document["headline"]


def test_run_where_a_check_raises_leaves_no_container(docker_client, tmp_path):
    boom = tmp_path / "test_boom.py"
    boom.write_text(
        "def test_boom(tensorflow_container):\n"
        "    assert tensorflow_container.run('true').rc == 0  # the container is up\n"
        "    raise RuntimeError('boom')\n")
    reports = tmp_path / "reports"
    proc = run_suite(reports, paths=(str(boom),))
    assert "RuntimeError: boom" in proc.stdout
    run_id = json.loads(next(reports.glob(f"*/{STATE_FILE}")).read_text())["run"]
    assert containers_of_run(docker_client, run_id) == []


# ---- --pull against the real engine ----------------------------------------------------------

def test_pull_of_an_unpullable_image_fails_with_the_engines_words(docker_client, tmp_path):
    profile = tmp_path / "unpullable.toml"
    profile.write_text('extends = "standin"\nname = "unpullable"\n[images]\nnbody = "local/wslgpu-no-such-image:1"\n')
    reports = tmp_path / "reports"
    run_suite(reports, "--pull", f"--cert-profile={profile}", "-k", "image")
    finding = next(c for c in results(reports)["checks"] if c["id"] == "docker.image.nbody.present")
    assert finding["outcome"] == "failed", finding
    assert "--pull failed: `docker pull local/wslgpu-no-such-image:1` exited with 1" in finding["message"]
    assert finding["remediation"]["commands"][0] == "docker pull local/wslgpu-no-such-image:1"


# ---- replay ------------------------------------------------------------------------------------------

def test_replay_of_the_recording_gives_the_same_verdicts(standin_run, tmp_path):
    recorded = results(standin_run["reports"])
    replay = subprocess.run(
        [sys.executable, "-m", "pytest", "checks", "--env=replay", "--snapshot", str(standin_run["recording"]),
         "--cert-profile=standin", "--reports-dir", str(tmp_path), "-p", "no:cacheprovider", "-q"],
        cwd=REPO, capture_output=True, text=True, timeout=SUITE_TIMEOUT)
    replayed = results(tmp_path)
    assert {c["id"]: c["outcome"] for c in replayed["checks"]} == {c["id"]: c["outcome"] for c in recorded["checks"]}
    assert replay.returncode == standin_run["proc"].returncode
