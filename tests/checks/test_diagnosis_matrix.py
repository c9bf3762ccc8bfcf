"""The diagnosis matrix: each broken snapshot fails exactly its root-cause checks.

For every real way this setup breaks (fixtures/snapshots/broken-*.json) the table says
which checks fail, a few that must be skipped *because of* that failure (naming it),
and a phrase the failure's fix must contain. Everything not listed must pass or be
skipped for an unrelated, configured reason.
"""

import importlib
import json
from pathlib import Path

import pytest

from catalog_facts import catalog, never_applicable
from suite_run import SNAPSHOTS, replay_rows

# One worker replays this module's batch (tests/pytest.ini: --dist loadgroup), not each worker the whole batch.
pytestmark = pytest.mark.xdist_group("diagnosis-matrix")

# Checks no machine runs under the guide's profile (opt-in, or ruled out by the profile): from the catalog.
NOT_CONFIGURED = never_applicable("documented")
MATRIX = {
    "known-bad-build": ({"windows.build": "Roll back to build 20201"}, set()),
    "wsl1": ({"windows.distro.version": "wsl.exe --set-version Ubuntu 2",
              "wsl.version2": "wsl.exe --set-version Ubuntu 2"},
             {"wsl.kernel.version", "wsl.gpu.dxg", "wsl.dockerd.running", "gpu.nbody.runs"}),
    # Without /dev/dxg the engine refuses the containers' GPU request (nvidia-container-cli: driver error,
    # docker-gpu-run__tf-jupyter-driver-error-docker19-escaped.txt): jupyter.container.gpu fails, as nbody would.
    "old-kernel": ({"windows.wsl.kernel": "wsl.exe --update", "jupyter.container.gpu": "wsl.exe --shutdown"},
                   {"wsl.kernel.version", "wsl.gpu.dxg", "wsl.driver.libraries", "gpu.nbody.runs",
                    "jupyter.tensorflow.gpu", "rstudio.container.gpu", "rstudio.r.tensorflow_gpu"}),
    "no-dxg": ({"wsl.gpu.dxg": "developer.nvidia.com/cuda/wsl", "jupyter.container.gpu": "cuda/wsl/download"},
               {"wsl.driver.libraries", "wsl.driver.loader", "gpu.nbody.runs", "gpu.nbody.performance",
                "jupyter.tensorflow.gpu", "jupyter.tensorflow.device_log", "rstudio.container.gpu",
                "rstudio.keras.short_training"}),
    "linux-driver-inside": ({"wsl.driver.no_linux_driver": "apt-get remove --purge"}, {"wsl.driver.loader"}),
    "docker-desktop": ({"wsl.dockerd.running": "turn off integration with Ubuntu"},
                       {"wsl.docker.reachable", "docker.engine.community", "docker.runtime.registered", "gpu.nbody.runs"}),
    # The engine refuses the containers' GPU request as it refuses nbody's (`could not select device driver`):
    # the suite starts them without it, so the checks that need the GPU are skipped and the others still run.
    "toolkit-missing": ({"docker.apt.repositories": "nvidia-docker.list",
                         "jupyter.container.gpu": "apt-get install -y nvidia-docker2"},  # documented: the guide's recipe
                        {"docker.package.nvidia-docker2", "docker.package.nvidia-container-toolkit",
                         "docker.runtime.configured", "docker.runtime.registered", "gpu.nbody.runs",
                         "jupyter.tensorflow.gpu", "rstudio.container.gpu", "rstudio.r.tensorflow_gpu",
                         "rstudio.keras.short_training"}),
    "runtime-not-registered": ({"docker.runtime.registered": "sudo pkill -x dockerd; while pgrep -x dockerd",
                                "jupyter.container.gpu": "sudo pkill -x dockerd; while pgrep -x dockerd"},
                               {"gpu.nbody.runs", "gpu.nbody.device", "gpu.nbody.performance",
                                "jupyter.tensorflow.gpu", "jupyter.tensorflow.device_log", "rstudio.container.gpu",
                                "rstudio.r.tensorflow_gpu"}),
    "dockerd-down": ({"wsl.autostart": "sudo dockerd > /dev/null 2>&1 &",
                      "wsl.dockerd.running": "sudo dockerd > /dev/null 2>&1 &"},
                     {"wsl.docker.reachable", "docker.engine.community", "docker.image.nbody.present"}),
    "not-in-docker-group": ({"wsl.user.docker_group": "sudo usermod -a -G docker analyst"},
                            {"wsl.docker.reachable", "docker.engine.in_distro", "gpu.nbody.runs"}),
    "nbody-slow": ({"gpu.nbody.performance": "Update the CUDA on WSL driver"}, set()),
    "tf-no-gpu": ({"jupyter.tensorflow.gpu": "ldconfig -p | grep libcuda"}, {"jupyter.tensorflow.device_log"}),
    "reticulate-missing": ({"rstudio.r.reticulate_python": 'Sys.setenv(RETICULATE_PYTHON="/usr/local/bin/python")'},
                           {"rstudio.r.tensorflow", "rstudio.r.keras", "rstudio.r.tensorflow_gpu",
                            "rstudio.keras.short_training"}),
    # rpy2.module.finds_r passes here: rpy2 3.3 in API mode loads libR.so without R_HOME, and
    # rpy2.situation never starts R; R fails when rpy2.robjects is imported (the ggplot2 cell).
    "rpy2-no-r": ({"rpy2.module.finds_r": "R RHOME"}, {"rpy2.ggplot.png", "rpy2.notebook.png"}),
    # Today's machines (extend current-healthy.json, replayed under its profile `current`).
    "current-nftables": ({"wsl.systemd.docker": "update-alternatives --set iptables /usr/sbin/iptables-legacy",
                          "wsl.dockerd.running": "sudo systemctl start docker"},
                         {"wsl.docker.reachable", "docker.engine.community", "gpu.nbody.runs"}),
    "current-runtime-unconfigured": ({"docker.runtime.configured": "sudo nvidia-ctk runtime configure --runtime=docker",
                                      "docker.runtime.registered": "nvidia-ctk runtime configure"}, set()),
    "current-linux-libs-in-toolkit": ({"docker.toolkit.sees_gpu": "apt-get remove --purge",
                                       "wsl.driver.no_linux_driver": "apt-get remove --purge"}, set()),
    "current-systemd-off": ({"wsl.autostart": "systemd=true", "wsl.dockerd.running": "docker info"},
                            {"wsl.docker.reachable", "gpu.nbody.runs"}),
    "current-toolkit-old": ({"docker.package.nvidia-container-toolkit": "--only-upgrade nvidia-container-toolkit",
                             "docker.package.libnvidia-container1": "--only-upgrade libnvidia-container1",
                             "docker.package.libnvidia-container-tools": "--only-upgrade libnvidia-container-tools"},
                            {"docker.toolkit.ctk", "docker.toolkit.sees_gpu", "docker.toolkit.mode"}),
}


# Broken variants of current-healthy.json (today's machine): their metadata names profile current.
CURRENT_MATRIX = {
    # One GPU in TCC beside a WDDM one: WSL offers none, so cuInit says CUDA_ERROR_NO_DEVICE (microsoft/WSL#13027).
    "current-tcc": ({"windows.gpu.driver_model": "nvidia-smi.exe -dm 0"}, {"gpu.cuda.smoke"}),
    "current-cuinit-fails": ({"gpu.cuda.smoke": "wsl.exe --shutdown"}, set()),
    "current-inbox-wsl": ({"windows.wsl.store": "wsl.exe --update"}, set()),
}
MATRIX.update(CURRENT_MATRIX)

# Broken variants of current-desktop-healthy.json (Docker Desktop's WSL 2 engine): metadata names current-desktop.
DESKTOP_MATRIX = {
    "desktop-integration-off": ({"wsl.docker.reachable": "docker version"},
                                {"docker.desktop.engine", "docker.image.nbody.present", "gpu.nbody.runs"}),
    "desktop-stopped": ({"windows.desktop.running": "Docker Desktop.exe"},
                        {"wsl.docker.reachable", "docker.desktop.engine", "gpu.nbody.runs"}),
    "desktop-hyperv-backend": ({"windows.desktop.running": "winget install -e --id Docker.DockerDesktop"},
                               {"wsl.docker.reachable", "docker.desktop.engine"}),
    "desktop-distro-engine": ({"docker.desktop.engine": "sudo systemctl disable --now docker.service docker.socket"},
                              set()),
    "desktop-daemon-json-invalid": ({"windows.desktop.daemon_json": "daemon.json"},
                                    {"wsl.docker.reachable", "docker.desktop.engine", "gpu.nbody.runs"}),
    "desktop-default-distro": ({"windows.distro.default": "wsl.exe --set-default Ubuntu"}, set()),
}
MATRIX.update(DESKTOP_MATRIX)


HEALTHY = SNAPSHOTS / "documented-healthy.json"
OPTED_IN = ("--prove-autostart", "-m", "slow or not slow")


def _profile_of(path) -> str:
    return json.loads(path.read_text())["metadata"].get("profile", "documented")


@pytest.fixture(scope="module")
def replays(tmp_path_factory):
    """Every broken snapshot, the healthy one and the healthy one opted in: one run per profile (suite_run)."""
    rows = {variant: (SNAPSHOTS / f"broken-{variant}.json",
                      ("--cert-profile", _profile_of(SNAPSHOTS / f"broken-{variant}.json"))) for variant in MATRIX}
    rows["healthy"] = (HEALTHY, ())
    rows["opted-in"] = (HEALTHY, OPTED_IN)
    return replay_rows(tmp_path_factory.mktemp("diagnosis-matrix"), rows)


@pytest.mark.parametrize("variant", sorted(MATRIX))
def test_broken_snapshot_fails_exactly_its_root_cause(replays, variant):
    failing, consequences = MATRIX[variant]
    run = replays[variant]
    assert run.results["verdict"] == "NOT CERTIFIED" and run.returncode == 1, run.output[-3000:]
    outcomes = run.outcomes()
    assert {i for i, o in outcomes.items() if o in ("failed", "error")} == set(failing)
    for check_id, phrase in failing.items():
        remediation = run.check(check_id)["remediation"]
        assert remediation["why"]
        assert any(phrase in command for command in remediation["commands"]), (check_id, remediation["commands"])
    for check_id in consequences:
        finding = run.check(check_id)
        assert finding["outcome"] == "skipped", (check_id, finding)
        assert any(f"depends on {root}, which failed" in finding["message"] for root in failing), finding["message"]
    configured_off = never_applicable(_profile_of(SNAPSHOTS / f"broken-{variant}.json"))
    unexplained = {i for i, o in outcomes.items() if o == "skipped"} - configured_off
    for check_id in unexplained:
        assert "depends on" in run.check(check_id)["message"], (check_id, run.check(check_id)["message"])


def test_healthy_snapshot_passes_every_configured_check(replays):
    outcomes = replays["healthy"].outcomes()
    assert {i for i, o in outcomes.items() if o != "passed"} == NOT_CONFIGURED


def test_opt_in_checks_pass_on_the_healthy_snapshot_when_opted_in(replays):
    run = replays["opted-in"]
    outcomes = run.outcomes()
    assert outcomes["wsl.autostart.proof"] == "passed", run.check("wsl.autostart.proof")
    assert outcomes["rstudio.keras.guide_mnist"] == "passed", run.check("rstudio.keras.guide_mnist")


def shown_failing() -> set[str]:
    """Every check id (or template) some module of tests/ shows failing: each such module's SHOWN_FAILING,
    computed there from its rows; the modules are found by that name, in every room (tests/conftest.py puts each
    room's folder on the path), never listed here."""
    shown = set()
    for path in sorted(Path(__file__).resolve().parents[1].rglob("test_*.py")):
        if "\nSHOWN_FAILING = " in path.read_text(encoding="utf-8"):
            shown |= importlib.import_module(path.stem).SHOWN_FAILING
    return shown


SHOWN_FAILING = {check_id for failing, _ in MATRIX.values() for check_id in failing}


def test_every_check_fails_somewhere_in_the_matrix():
    """No check that cannot fail: each id of the catalog is shown failing by some test module's rows."""
    healthy = json.loads(HEALTHY.read_text())
    assert healthy["metadata"]["profile"] == "documented"
    shown = shown_failing()
    never_failing = {spec.id for spec in catalog().values() if spec.id not in shown and spec.template not in shown}
    assert not never_failing, f"checks never seen failing: {sorted(never_failing)}"
