"""No output can blow up a report: 5 MB from one command gives a bounded results.json and run folder, and no pass."""

import json

import pytest

from suite_run import SNAPSHOTS

HEALTHY = SNAPSHOTS / "documented-healthy.json"
TF_GPUS = "python3 -c \"import tensorflow as tf; print(tf.config.list_physical_devices('GPU'))\""
SMI = "/usr/lib/wsl/lib/nvidia-smi"
DEVICE = "PhysicalDevice(name='/physical_device:GPU:0', device_type='GPU'), "


@pytest.mark.parametrize("role, command, stdout, check_id", [
    ("container:tensorflow", TF_GPUS, "[" + DEVICE * (5_000_000 // len(DEVICE)) + "]\n", "jupyter.tensorflow.gpu"),
    ("wsl", SMI, json.loads(HEALTHY.read_text())["hosts"]["wsl"][SMI]["stdout"] * 6000, "gpu.nvidia_smi.gpu"),
], ids=["tensorflow-gpu-list", "nvidia-smi-repeated"])
def test_five_megabytes_of_output_stay_out_of_the_report(certify, tmp_path, role, command, stdout, check_id):
    assert len(stdout) > 4_000_000
    snapshot = tmp_path / "huge.json"
    snapshot.write_text(json.dumps({"format": "wslgpu-certify-snapshot/1", "extends": str(HEALTHY),
                                    "hosts": {role: {command: {"exit_status": 0, "stdout": stdout, "stderr": ""}}}}))
    run = certify("--snapshot", str(snapshot))
    assert run.check(check_id)["outcome"] != "passed", run.check(check_id)
    folder = run.reports / "latest"
    assert (folder / "results.json").stat().st_size < 400_000
    assert sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) < 3_000_000
    assert all(len(json.dumps(c)) < 20_000 for c in run.results["checks"])
