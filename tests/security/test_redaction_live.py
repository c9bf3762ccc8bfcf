"""End to end: a machine whose outputs carry one secret of each family (test_redaction.py's FAMILIES),
certified live (the fake Windows and distro programs of live_fakes.py answering from a snapshot that
holds the secrets) with --record; and a `diagnose` paste holding them, as text and --json.

No secret reaches any file of the run folder, the terminal, the recording, or diagnose's output; the
recording shows each one masked where it was (so the secrets did pass through the suite).
"""

import contextlib
import io
import json
import subprocess

import live_fakes
from suite_run import REPO, SNAPSHOTS
from test_redaction import FAMILIES
from wslgpu_certify.diagnose import main as diagnose_main
from wslgpu_certify.redact import MASK

ONE_OF_EACH = {kind: cases[0] for kind, cases in FAMILIES.items()}
SECRETS = [secret for _, secret in ONE_OF_EACH.values()]
# where each machine output carries them: ~/.bashrc (the GITHUB_PAT case), docker info's stderr,
# daemon.json's proxy (the evidence of three different checks)
BASHRC = "\n".join(f"# {text}" if kind == "pem" else text for kind, (text, _) in ONE_OF_EACH.items()) + "\n"
DOCKER_WARNINGS = "".join(f"WARNING: {text}\n" for kind, (text, _) in ONE_OF_EACH.items() if kind != "pem")
PROXY_SECRET = "pr0xyLiveFAKE"


def hostile_snapshot(path):
    """documented-healthy with the secrets in the distro's outputs (written raw: Snapshot.save would mask them)."""
    data = json.loads((SNAPSHOTS / "documented-healthy.json").read_text())
    wsl = data["hosts"]["wsl"]
    wsl["cat ~/.bashrc"]["stdout"] = BASHRC + wsl["cat ~/.bashrc"]["stdout"]
    wsl["docker info"]["stderr"] = DOCKER_WARNINGS + wsl["docker info"].get("stderr", "")
    daemon = json.loads(wsl["cat /etc/docker/daemon.json"]["stdout"])
    daemon["proxies"] = {"http-proxy": f"http://bob:{PROXY_SECRET}@proxy.corp:3128"}
    wsl["cat /etc/docker/daemon.json"]["stdout"] = json.dumps(daemon, indent=2)
    path.write_text(json.dumps(data))
    return path


def leaks(text: str) -> list[str]:
    return [secret for secret in (*SECRETS, PROXY_SECRET) if secret in text]


def test_a_live_run_and_its_recording_hold_no_secret(tmp_path):
    snapshot = hostile_snapshot(tmp_path / "hostile.json")
    argv, environ, marker = live_fakes.suite_run(tmp_path, "windows", "none:plain", 2.0, REPO, snapshot)
    recording = tmp_path / "recorded.json"
    proc = subprocess.run([*argv, f"--record={recording}"], cwd=REPO, env=environ, capture_output=True, text=True,
                          timeout=240, stdin=subprocess.DEVNULL)
    output = proc.stdout + proc.stderr
    assert "Traceback" not in output and (tmp_path / "reports" / "latest" / "results.json").exists(), output[-3000:]
    assert not live_fakes.leftovers(marker)

    run_folder = (tmp_path / "reports" / "latest").resolve()
    files = [p for p in run_folder.rglob("*") if p.is_file()]
    assert {"report.html", "junit.xml", "results.json"} <= {p.name for p in files}
    for path in files:
        assert not leaks(path.read_bytes().decode("utf-8", "replace")), f"{path.name} leaks"
    assert not leaks(output), "the terminal leaks"

    recorded = json.loads(recording.read_text())
    assert not leaks(recording.read_text()), "the recording leaks"
    wsl = recorded["hosts"]["wsl"]
    bashrc, warnings = wsl["cat ~/.bashrc"]["stdout"], wsl["docker info"]["stderr"]
    assert bashrc.count(MASK) >= len(ONE_OF_EACH) and warnings.count(MASK) >= len(ONE_OF_EACH) - 1
    assert "GITHUB_PAT=" in bashrc and "-----BEGIN OPENSSH PRIVATE KEY-----" in bashrc  # the names stay readable
    assert f"bob:{MASK}@proxy.corp" in wsl["cat /etc/docker/daemon.json"]["stdout"]
    # and the run read them: the evidence of the autostart check quotes the masked ~/.bashrc
    results = json.loads((run_folder / "results.json").read_text())
    excerpts = "".join(e.get("excerpt", "") for c in results["checks"] for e in c.get("evidence") or [])
    assert "GITHUB_PAT=" + MASK in excerpts


def test_diagnose_text_and_json_hold_no_secret(tmp_path):
    paste = tmp_path / "paste.txt"
    paste.write_text("$ cat ~/.bashrc\n" + BASHRC + "$ docker info\n" + DOCKER_WARNINGS
                     + f"HTTPS_PROXY=http://bob:{PROXY_SECRET}@proxy.corp:3128\n", encoding="utf-8")
    for extra in ([], ["--json"]):
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
            diagnose_main([str(paste), *extra])
        assert printed.getvalue().strip(), extra
        assert not leaks(printed.getvalue()), f"diagnose {extra} leaks"
