"""A program that could not be started is reported as such, never as the fact being absent.

Each row replaces one recorded command of the healthy snapshot with the shell's (or cmd's)
answer for a missing program, in the formats they really print: dash's "sh: 1: X: not found",
bash's "X: command not found", cmd's "'X' is not recognized...", the runner's own
"No such file or directory: 'cmd.exe'" when an interop binary is missing.
"""

import json

import pytest

from suite_run import SNAPSHOTS

HEALTHY = SNAPSHOTS / "documented-healthy.json"
IMAGE_INSPECT = "docker image inspect --format '{{.Id}}' nvcr.io/nvidia/k8s/cuda-sample:nbody"


def out(stdout="", stderr="", rc=0):
    return {"exit_status": rc, "stdout": stdout, "stderr": stderr}


# check -> (role, command, damaged record, program named, a phrase of how to get it, what it must NOT conclude)
CASES = {
    "wsl.gpu.dxg": ("wsl", "ls -la /dev/dxg", out(stderr="/bin/sh: 1: ls: not found", rc=127),
                    "ls", "Install ls", "/dev/dxg is missing"),
    "docker.image.nbody.present": ("wsl", IMAGE_INSPECT, out(stderr="/bin/sh: 1: docker: not found", rc=127),
                                   "docker", "docs.docker.com/engine/install", "is not present locally"),
    "wsl.autostart": ("wsl", "cat ~/.bashrc", out(stderr="bash: cat: command not found", rc=127),
                      "cat", "Install cat", "has no block"),
    "docker.runtime.configured": ("wsl", "cat /etc/docker/daemon.json", out(stderr="sh: cat: Permission denied", rc=126),
                                  "cat", "Install cat", "registers no"),
    "windows.vscode.extensions": ("windows", "cmd.exe /c code --list-extensions",
                                  out(stderr="'code' is not recognized as an internal or external command,\n"
                                             "operable program or batch file.", rc=1),
                                  "code", "Visual Studio Code", "lacks"),
    "windows.build": ("windows", "cmd.exe /c ver", out(stderr="[Errno 2] No such file or directory: 'cmd.exe'", rc=127),
                      "cmd.exe", "interop", "known to break"),
}


@pytest.mark.parametrize("check_id", sorted(CASES))
def test_a_missing_program_is_named_with_how_to_get_it(certify, tmp_path, check_id):
    role, command, record, program, how, wrong = CASES[check_id]
    snapshot = tmp_path / "damaged.json"
    snapshot.write_text(json.dumps({"format": "wslgpu-certify-snapshot/1", "extends": str(HEALTHY),
                                    "hosts": {role: {command: record}}}))
    run = certify("--snapshot", str(snapshot))
    check = run.check(check_id)
    assert check["outcome"] in ("failed", "warning"), check  # windows.vscode.extensions is advisory
    assert f"could not run `{program}`" in check["message"], check["message"]
    assert wrong not in check["message"]
    assert how in check["remediation"]["summary"], check["remediation"]
    assert "Traceback" not in run.output
    if check["outcome"] == "failed":  # an advisory check's warning never blocks certification
        assert run.results["verdict"] == "NOT CERTIFIED"
