"""The `current` profile held by a healthy machine of today (fixtures/snapshots/current-healthy.json).

The snapshot is written by hand from real output formats (issue #11; sources beside each
parser and in docs/modern-formats.md). Under `current` it must certify; what does not apply
there must say why (systemd starts dockerd, nvidia-docker2 is optional).
"""

import json

import pytest

from suite_run import SNAPSHOTS

CURRENT = SNAPSHOTS / "current-healthy.json"
# Not applicable on every machine under the bundled profiles (not configured, opt-in).
NOT_CONFIGURED = {"windows.distro.template", "windows.distro.imported", "windows.distro.imported_user",
                  "rstudio.keras.guide_mnist", "wsl.autostart.proof"}
# Not applicable on this machine, and why (a phrase of the reason).
NOT_APPLICABLE_HERE = {
    "wsl.sudoers.dockerd": "systemd starts dockerd",
    "docker.package.nvidia-docker2": "does not require it",
    "docker.toolkit.cdi": "uses CDI",
}


def _variant(tmp_path, role: str, command: str, **record) -> str:
    """current-healthy.json with one command's answer replaced."""
    base = json.loads(CURRENT.read_text())["hosts"][role][command]
    path = tmp_path / "variant.json"
    path.write_text(json.dumps({"format": "wslgpu-certify-snapshot/1", "extends": str(CURRENT),
                                "hosts": {role: {command: {**base, **record}}}}))
    return str(path)


def test_current_healthy_certifies_under_current(certify):
    assert json.loads(CURRENT.read_text())["metadata"]["profile"] == "current"
    run = certify("--snapshot", str(CURRENT), "--cert-profile", "current")
    assert run.returncode == 0, run.output
    outcomes = run.outcomes()
    assert {i for i, o in outcomes.items() if o not in ("passed", "not_applicable")} == set()
    for check_id, phrase in NOT_APPLICABLE_HERE.items():
        assert outcomes[check_id] == "not_applicable", run.check(check_id)
        assert phrase in run.check(check_id)["message"], run.check(check_id)["message"]
    # Anything else not applicable is the unconfigured set, or nbody without a baseline for this GPU
    # (a figure, not a failure).
    assert {i for i, o in outcomes.items() if o == "not_applicable"} - set(NOT_APPLICABLE_HERE) - NOT_CONFIGURED \
        <= {"gpu.nbody.performance"}


def test_the_nopasswd_rule_is_still_required_without_systemd(certify, tmp_path):
    """The exemption is systemd's: with docker.service not enabled, the .bashrc route needs the rule again."""
    snapshot = _variant(tmp_path, "wsl", "systemctl is-enabled docker", stdout="disabled\n", exit_status=1)
    run = certify("--snapshot", snapshot, "--cert-profile", "current", "--check", "wsl.sudoers.dockerd")
    assert run.outcomes()["wsl.sudoers.dockerd"] == "failed"
    assert any("NOPASSWD" in c for c in run.check("wsl.sudoers.dockerd")["remediation"]["commands"])


NVIDIA_SMI = "/usr/lib/wsl/lib/nvidia-smi"


@pytest.mark.parametrize("smi_name, outcome", [
    ("NVIDIA GeForce RTX 3070", "passed"),
    ("NVIDIA GeForce RTX ...", "passed"),  # nvidia-smi cuts a name longer than its column
    ("NVIDIA GeForce RTX 4090", "failed"),
    ("NVIDIA GeForce GTX ...", "failed"),
])
def test_nvidia_smi_gpu_is_compared_with_the_cuda_device_name(certify, tmp_path, smi_name, outcome):
    """nbody prints "Ampere" as the device and the name in `CUDA device: [...]`; the check uses the name."""
    stdout = json.loads(CURRENT.read_text())["hosts"]["wsl"][NVIDIA_SMI]["stdout"]
    row = "NVIDIA GeForce RTX 3070        On  |"
    assert row in stdout
    snapshot = _variant(tmp_path, "wsl", NVIDIA_SMI, stdout=stdout.replace(row, f"{smi_name:<29} On  |"))
    run = certify("--snapshot", snapshot, "--cert-profile", "current", "--check", "gpu.nvidia_smi.gpu")
    assert run.outcomes()["gpu.nvidia_smi.gpu"] == outcome, run.check("gpu.nvidia_smi.gpu")
    if outcome == "failed":
        assert "nbody ran on NVIDIA GeForce RTX 3070" in run.check("gpu.nvidia_smi.gpu")["message"]
