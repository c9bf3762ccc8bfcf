"""The HTML report answers 'is this machine certified, and if not, what do I do?' at a glance."""

import html
import json
import re

from suite_run import SNAPSHOTS


def _report(run):
    text = (run.reports / "latest" / "report.html").read_text()
    blob = json.loads(html.unescape(re.search(r'data-jsonblob="([^"]*)"', text).group(1)))
    return text, blob


def test_broken_machine_report_shows_verdict_stack_root_cause_and_fix(certify):
    run = certify("--snapshot", str(SNAPSHOTS / "broken-runtime-not-registered.json"))
    text, blob = _report(run)
    assert blob["title"] == "broken-runtime-not-registered: NOT CERTIFIED (env replay, profile documented)"
    assert 'id="wslgpu-verdict"' in text and "NOT CERTIFIED" in text
    layers = re.findall(r'data-layer="(\w+)" data-state="(\w+)"', text)
    assert [name for name, _ in layers] == ["rpy2", "rstudio", "jupyter", "gpu", "docker", "wsl", "windows"]
    assert dict(layers)["docker"] == "failed" and dict(layers)["windows"] == "passed"
    assert dict(layers)["gpu"] == "blocked" and "blocked by docker.runtime.registered, which failed" in text
    assert "failed: first failure docker.runtime.registered" in text
    unescaped = html.unescape(text)
    # fix block and Fix column: under documented the guide's daemon.json (toolkit 1.3 has no nvidia-ctk)
    assert "sudo tee /etc/docker/daemon.json" in unescaped and "nvidia-ctk runtime configure" not in unescaped
    assert "Why it matters: daemon.json is read only when dockerd starts" in unescaped.replace("<b>", "").replace("</b>", "")
    assert blob["environment"]["NVIDIA driver"] == "460.20"
    assert "NONE" not in blob["environment"].get("GPU", "")  # a container's refused GPU request is no GPU name
    assert "https://cdn" not in text and "<script src=\"http" not in text  # self-contained


def test_nbody_figure_is_charted_against_baseline(certify):
    run = certify("--snapshot", str(SNAPSHOTS / "broken-nbody-slow.json"))
    text = html.unescape((run.reports / "latest" / "report.html").read_text())
    # the gpu layer's GPU in the Environment table, not what a container later saw
    assert _report(run)[1]["environment"]["GPU"] == "GeForce RTX 2070 (compute capability 7.5)"
    assert 'wslgpu-nbody' in text and "2414.0" in text and "4023.3" in text


def test_a_users_own_html_and_junit_are_self_contained_and_ours_still_land_in_the_run_folder(certify, tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    run = certify("--snapshot", str(SNAPSHOTS / "broken-no-dxg.json"),
                  f"--html={mine / 'report.html'}", f"--junitxml={mine / 'junit.xml'}")
    assert run.returncode == 1, run.output[-2000:]
    assert sorted(p.name for p in mine.iterdir()) == ["junit.xml", "report.html"]  # no assets/ folder beside it
    text = (mine / "report.html").read_text()
    assert "<style" in text and 'href="assets/' not in text
    latest = run.reports / "latest"
    assert (latest / "report.html").read_text() == text
    assert (latest / "junit.xml").read_bytes() == (mine / "junit.xml").read_bytes()
    assert "wslgpu_verdict" in (latest / "junit.xml").read_text()


def test_rows_say_what_happened_in_words_and_only_failures_open(certify):
    run = certify("--snapshot", str(SNAPSHOTS / "broken-toolkit-missing.json"))
    text, blob = _report(run)
    assert set(blob["renderCollapsed"]) >= {"passed", "skipped"}  # a reader starts at what failed
    logs = {result["result"]: [] for runs in blob["tests"].values() for result in runs}
    for runs in blob["tests"].values():
        for result in runs:
            logs[result["result"]].append(result["log"])
    skipped = logs["Skipped"]
    assert skipped and all(log.startswith(("Did not run: ", "Not applicable: ")) for log in skipped)
    assert not any("checks/test_" in log or "(" + "'/" in log for log in skipped)  # no raw tuple, no local path
    failed = logs["Failed"]
    assert failed and not any("Why it matters" in log for log in failed)  # the fix is shown once, in the extras
    assert "Why it matters" in html.unescape(text)


def test_a_replays_environment_leads_with_the_recorded_machine(certify):
    run = certify("--snapshot", str(SNAPSHOTS / "broken-toolkit-missing.json"))
    environment = _report(run)[1]["environment"]
    keys = list(environment)
    assert keys[:2] == ["Machine", "Distro"] and environment["Machine"] == "broken-toolkit-missing"
    assert environment["WSL kernel"] == "4.19.128-microsoft-standard"
    assert "Platform" not in environment and "Replayed on: Platform" in environment
    assert keys.index("Replayed on: Platform") > keys.index("WSL kernel")
