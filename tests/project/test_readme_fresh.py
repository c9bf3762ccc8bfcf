"""The README's commands, run as written in a fresh Debian container: set-up, the main job, and its hint.

A new user copies the README's set-up block into a fresh machine. Here that machine is
local/wslgpu-fresh (fixtures/images/fresh/build.sh: Debian 12 with its own python3, venv, pip and pipx,
nothing else), the checkout is copied in (its git-tracked and untracked-but-not-ignored files, as a
clone has them), and each command line of the README's "Set-up and the main job" blocks runs exactly
as the README prints it, comments dropped: `pipx install .`, `wslgpu-certify` (not WSL, no Docker, no
GPU: it must say so and point to a bundled snapshot), then the hint the tool printed, which must be
the README's second block, and which must certify. The comment's alternative (`pip install .` in a
venv) and the everyday lines that take no placeholder (`--help`, `diagnose paste.txt` on a pasted
error, `fix reports/latest/results.json`) run too. `wslgpu-compare OLD/... NEW/...` and
`wslgpu-fleet collect results/ ...` name placeholders, and are run elsewhere (tests/reports/test_compare.py,
tests/fleet/test_fleet_collect.py). The README's other command, `bash .ci/run`, is CI's own entry point:
CI runs it as written on a fresh clone.

pip reaches PyPI through the host's network (`--network host`; dockerd runs without NAT here) and trusts
the host's CA bundle (mounted, as fixtures/images/standin/build.sh does). Without
Docker, mmdebstrap or PyPI the test skips, except under CI=true, where all three are guaranteed.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import tarfile
import uuid

import pytest

from ci_guarantees import unavailable

from suite_run import REPO

pytestmark = [pytest.mark.docker, pytest.mark.xdist_group("readme_fresh")]

BUILD = REPO / "fixtures" / "images" / "fresh" / "build.sh"
# The host's CA bundle (a proxy that re-signs TLS may sit between CI and PyPI), as the stand-in build mounts it:
# Debian's pip reads it where it is mounted, pip inside the venvs pipx makes reads PIP_CERT.
HOST_CA = os.environ.get("STANDIN_HOST_CA", "/etc/ssl/certs/ca-certificates.crt")
SRC = "/src"
INSTALL_TIMEOUT = 600
# A paste a customer sends (the toolkit's hook could not find the driver library): diagnose must name it.
PASTE = ("$ docker run --rm --gpus all ubuntu nvidia-smi\n"
         "docker: Error response from daemon: failed to create task for container: failed to create shim task: "
         "OCI runtime create failed: runc create failed: unable to start container process: error during container "
         "init: error running hook #0: error running hook: exit status 1, stdout: , stderr: Auto-detected mode as "
         "'legacy'\nnvidia-container-cli: initialization error: load library failed: libnvidia-ml.so.1: cannot open "
         "shared object file: no such file or directory: unknown.\n")


def _unavailable(reason: str):
    unavailable(reason, "Docker, mmdebstrap and PyPI")


def readme_blocks(section: str) -> list[list[str]]:
    """The command lines of each ``` block under the README's `## <section>` heading, comments dropped."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    body = text.split(f"## {section}\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```\n(.*?)```", body, re.DOTALL)
    return [[re.split(r"\s+#\s", line, maxsplit=1)[0].strip() for line in block.splitlines() if line.strip()]
            for block in blocks]


def _checkout_tar() -> bytes:
    """The checkout as a clone has it: tracked files plus untracked ones git does not ignore."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                            capture_output=True, check=True).stdout.decode().split("\0")
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name in filter(None, listed):
            if (REPO / name).is_file():
                tar.add(REPO / name, arcname=name, recursive=False)
    return buffer.getvalue()


class Fresh:
    """A started fresh container; `sh(line, cwd)` runs one command line in bash there."""

    def __init__(self, image: str):
        self.name = f"wslgpu-readme-{uuid.uuid4().hex[:10]}"
        started = subprocess.run(["docker", "run", "-d", "--rm", "--name", self.name, "--label", "wslgpu.test=readme",
                                  "--network", "host", "-v", f"{HOST_CA}:/etc/ssl/certs/ca-certificates.crt:ro",
                                  "-e", "PIP_CERT=/etc/ssl/certs/ca-certificates.crt", image, "sleep", "1200"],
                                 capture_output=True, text=True)
        try:  # a refused start still leaves a created container, and a failed copy a running one: removed here
            assert started.returncode == 0, started.stderr
            copied = subprocess.run(["docker", "exec", "-i", self.name, "sh", "-c", f"mkdir {SRC} && tar -x -C {SRC}"],
                                    input=_checkout_tar(), capture_output=True)
            assert copied.returncode == 0, copied.stderr[-2000:]
        except BaseException:
            self.remove()
            raise

    def sh(self, line: str, cwd: str = SRC, stdin: bytes | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(["docker", "exec", "-i", "-w", cwd, self.name, "bash", "-c", line],
                              input=stdin if stdin is not None else b"", capture_output=True, timeout=INSTALL_TIMEOUT)

    def remove(self):
        subprocess.run(["docker", "rm", "-f", self.name], capture_output=True)


@pytest.fixture(scope="module")
def fresh():
    if subprocess.run(["docker", "info"], capture_output=True).returncode != 0:
        _unavailable("no Docker Engine answers")
    built = subprocess.run(["bash", str(BUILD)], capture_output=True, text=True, timeout=900)
    if built.returncode != 0:
        _unavailable(f"the fresh image could not be built: {built.stderr.strip()[-300:]}")
    box = Fresh(built.stdout.split()[-1])
    try:
        if box.sh("python3 -c \"import urllib.request; urllib.request.urlopen('https://pypi.org/simple/pip/', "
                  "timeout=20)\"").returncode != 0:
            _unavailable("PyPI is not reachable from the container")
        yield box
    finally:
        box.remove()


def _text(done: subprocess.CompletedProcess) -> str:
    return (done.stdout + done.stderr).decode("utf-8", "replace")


def _ok(done: subprocess.CompletedProcess, line: str) -> str:
    text = _text(done)
    assert done.returncode == 0, f"`{line}` exited {done.returncode}:\n{text[-3000:]}"
    assert "Traceback" not in text, text[-3000:]
    return text


def test_the_readme_has_the_two_blocks_this_test_runs():
    setup, example = readme_blocks("Set-up and the main job")[:2]
    assert setup == ["pipx install .", "wslgpu-certify"]
    assert example == ["wslgpu-certify --snapshot documented-healthy"]


def test_setup_and_main_job_as_written(fresh):
    (install, certify), (example,) = readme_blocks("Set-up and the main job")[:2]
    _ok(fresh.sh(install), install)

    # Not WSL, no Docker, no GPU: an honest NOT CERTIFIED that says so, its report written, and a hint.
    live = fresh.sh(certify)
    text = _text(live)
    assert live.returncode == 1, text[-3000:]
    assert "Traceback" not in text
    assert "NOT CERTIFIED" in text and "not a WSL machine" in text, text[-3000:]
    assert "no NVIDIA driver or GPU on this machine" in text, text[-3000:]
    for name in ("report.html", "results.json", "junit.xml"):
        assert fresh.sh(f"test -s reports/latest/{name}").returncode == 0, f"reports/latest/{name} missing"

    # The hint it printed is the README's second block, and works from the installed copy, as printed.
    hint = re.search(r"To see a full run: (.+)", text)
    assert hint, text[-3000:]
    assert hint[1].strip() == example
    replay = _ok(fresh.sh(example), example)
    assert re.search(r"wslgpu-certify: CERTIFIED", replay), replay[-3000:]


def test_everyday_commands_as_written(fresh):
    """The everyday lines without placeholders, after the set-up (pipx, or pip in a venv)."""
    everyday = {line.split()[1] if len(line.split()) > 1 else "": line
                for line in readme_blocks("Set-up and the main job")[2] if line.startswith("wslgpu-certify ")}
    assert {"diagnose", "fix", "--help"} <= set(everyday), everyday
    _ok(fresh.sh("command -v wslgpu-certify || pipx install ."), "pipx install .")
    _ok(fresh.sh("wslgpu-certify --snapshot broken-toolkit-missing || test $? = 1"), "a failed run to fix")

    usage = _ok(fresh.sh(everyday["--help"]), everyday["--help"])
    assert usage.lstrip().startswith("usage: wslgpu-certify") and len(usage.splitlines()) < 40, usage[:2000]

    fresh.sh("cat > paste.txt", stdin=PASTE.encode())
    diagnosis = fresh.sh(everyday["diagnose"])
    assert diagnosis.returncode == 1 and "Traceback" not in _text(diagnosis), _text(diagnosis)[-3000:]
    assert "libnvidia-ml.so.1" in _text(diagnosis), _text(diagnosis)[-3000:]

    _ok(fresh.sh(everyday["fix"]), everyday["fix"])
    script = _ok(fresh.sh("cat fix-distro.sh"), "cat fix-distro.sh")
    assert "set -euo pipefail" in script and "nvidia-container-toolkit" in script, script[:3000]
    assert fresh.sh("bash -n fix-distro.sh").returncode == 0


def test_the_comments_alternative_pip_in_a_venv(fresh):
    """`# or, in a venv: pip install .`: the same install without pipx."""
    alternative = re.search(r"in a venv: (pip install \.)", (REPO / "README.md").read_text(encoding="utf-8"))
    assert alternative
    _ok(fresh.sh("python3 -m venv /tmp/venv"), "python3 -m venv /tmp/venv")
    _ok(fresh.sh(f". /tmp/venv/bin/activate && {alternative[1]}"), alternative[1])
    version = _ok(fresh.sh(". /tmp/venv/bin/activate && cd /tmp && wslgpu-certify --version"), "--version")
    assert version.startswith("wslgpu-certify "), version
