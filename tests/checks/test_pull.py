"""--pull: the only way the suite pulls an image; without it a missing image is a failure naming the pull."""

import json

from suite_run import SNAPSHOTS
from test_each_check_fails import out

TF = "tensorflow/tensorflow:latest-gpu-py3-jupyter"
RSTUDIO = "angelsevillacamins/gpu-py3-jupyter-rstudio"


def missing(image: str) -> dict:
    return out("", f"Error: No such image: {image}\n", rc=1)


def snapshot_without_images(tmp_path):
    """Both container images missing; pulling the first works, the second finds no registry."""
    path = tmp_path / "no-images.json"
    path.write_text(json.dumps({
        "format": "wslgpu-certify-snapshot/1", "extends": str(SNAPSHOTS / "documented-healthy.json"),
        "hosts": {"wsl": {
            f"docker image inspect --format '{{{{.Id}}}}' {TF}": missing(TF),
            f"docker image inspect --format '{{{{.Id}}}}' {RSTUDIO}": missing(RSTUDIO),
            f"docker pull {TF}": out(f"Status: Downloaded newer image for {TF}\ndocker.io/{TF}\n"),
            f"docker pull {RSTUDIO}": out("Using default tag: latest\n",
                                          'Error response from daemon: Get "https://registry-1.docker.io/v2/": '
                                          "dial tcp: lookup registry-1.docker.io: no such host\n", rc=1),
        }}}))
    return path


def test_missing_image_fails_with_the_pull_command_and_is_not_pulled(certify, tmp_path):
    run = certify("--snapshot", str(snapshot_without_images(tmp_path)), "-k", "image")
    finding = run.check("docker.image.tensorflow.present")
    assert finding["outcome"] == "failed" and "pulls only with --pull" in finding["message"]
    assert finding["remediation"]["commands"][0] == f"docker pull {TF}"
    assert not any(e["command"].startswith("docker pull") for c in run.results["checks"] for e in c["evidence"])


def test_pull_fetches_what_is_missing_and_reports_a_failed_pull(certify, tmp_path):
    run = certify("--snapshot", str(snapshot_without_images(tmp_path)), "-k", "image", "--pull")
    assert run.check("docker.image.tensorflow.present")["outcome"] == "passed"
    assert run.check("docker.image.tensorflow.present")["figures"]["pulled"] == TF
    failed = run.check("docker.image.rstudio.present")
    assert failed["outcome"] == "failed" and "no such host" in failed["message"]
    assert failed["remediation"]["commands"][0] == f"docker pull {RSTUDIO}"
