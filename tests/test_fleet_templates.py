"""The fleet's pipeline files hold the keys the design relies on, and their `collect` step works on
the folders their artifact steps leave.

GitHub: a matrix from a repository variable (fromJSON), one job per machine on its own runner
labels, a time limit, fail-fast off, an artifact per machine named after it uploaded `if: always()`,
the suite called with --machine-id, --run-id and --record; the aggregation is a workflow of its own
on a schedule (no `needs:`), downloading every artifact into one folder each.
GitLab: `parallel:matrix`, the machine's tag, a later-stage `collect` without `needs:`, retries only
for runner system failures and stuck jobs (never script_failure).
The collect steps are taken out of the files and run with bash on a simulated night.
"""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest
import yaml

import fleet_sim as sim
from suite_run import REPO

TEMPLATES = REPO / "ci-templates"
RUN = "8101"
TONIGHT = datetime.now(timezone.utc) - timedelta(hours=1)  # the templates pass --max-age 26h and no --now


def load(name):
    document = yaml.safe_load((TEMPLATES / name).read_text())
    document["on"] = document.pop(True, document.get("on"))  # YAML 1.1 reads the key `on` as true
    return document


def step(job, uses=None, name=None):
    return next(s for s in job["steps"] if (uses and s.get("uses", "").startswith(uses)) or (name and s.get("name") == name))


def test_github_nightly_fans_out_one_job_per_machine():
    job = load("github-actions-nightly.yml")["jobs"]["certify"]
    strategy = job["strategy"]
    assert strategy["fail-fast"] is False
    assert re.fullmatch(r"\$\{\{ fromJSON\(vars\.\w+\) \}\}", strategy["matrix"]["include"])
    assert job["runs-on"] == "${{ matrix.labels }}" and isinstance(job["timeout-minutes"], int)
    certify = step(job, name="Certify")["run"]
    for option in ('--machine-id "${{ matrix.machine }}"', '--run-id "${{ github.run_id }}"', '--record "reports/'):
        assert option in certify
    upload = step(job, uses="actions/upload-artifact@v4")
    assert upload["if"] == "always()" and upload["with"]["name"] == "certification-${{ matrix.machine }}"
    assert upload["with"]["path"] == "reports/"


def test_github_aggregation_is_its_own_scheduled_workflow():
    workflow = load("github-actions-fleet.yml")
    assert workflow["on"]["schedule"][0]["cron"]
    assert all("needs" not in job for job in workflow["jobs"].values())
    job = workflow["jobs"]["collect"]
    download = step(job, uses="actions/download-artifact@v4")["with"]
    assert download["pattern"] == "certification-*" and download["path"] == "results" and "merge-multiple" not in download
    assert "wslgpu-fleet collect results" in step(job, name="Collect")["run"]


def test_gitlab_matrix_tags_retries_and_a_later_stage_without_needs():
    pipeline = yaml.safe_load((TEMPLATES / "gitlab-ci-nightly.yml").read_text())
    certify, collect = pipeline["certify"], pipeline["collect"]
    assert pipeline["stages"].index(collect["stage"]) > pipeline["stages"].index(certify["stage"])
    assert certify["parallel"]["matrix"][0]["MACHINE"] and "$MACHINE" in certify["tags"]
    assert set(certify["retry"]["when"]) == {"runner_system_failure", "stuck_or_timeout_failure"}
    assert "needs" not in collect and collect["rules"][0]["when"] == "always"
    assert certify["artifacts"]["when"] == "always" and certify["artifacts"]["paths"] == ["fleet-results/$MACHINE/"]
    assert any("--machine-id \"$MACHINE\"" in line and "--record" in line and "--run-id" in line for line in certify["script"])


@pytest.fixture
def fake_tools(tmp_path):
    """`wslgpu-fleet` on PATH as the checkout's package (no install needed)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    tool = bin_dir / "wslgpu-fleet"
    tool.write_text(f"#!/bin/sh\nPYTHONPATH={REPO / 'plugins'} exec {sys.executable} -m wslgpu_certify.fleet \"$@\"\n")
    tool.chmod(tool.stat().st_mode | stat.S_IEXEC)
    return {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}


def _bash(script: str, cwd, env) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-e", "-c", script], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("missing", [False, True], ids=["all-reported", "one-missing"])
def test_github_collect_step_on_download_artifact_folders(tmp_path, fake_tools, missing):
    machines = [m for m in sim.make_fleet(12, seed=9) if m.certified][:6]
    for m in machines:  # upload-artifact@v4 of reports/ -> download-artifact@v4: results/certification-<machine>/...
        sim.write_machine(tmp_path / "results", m, RUN, layout="github", finished=TONIGHT)
        (tmp_path / "results" / f"certification-{m.name}" / f"snapshot-{m.name}.json").write_text("{}")
    if missing:
        sim.damage(tmp_path / "results", machines[0].name, "missing folder", layout="github")
    script = step(load("github-actions-fleet.yml")["jobs"]["collect"], name="Collect")["run"]
    script = script.replace("${{ steps.night.outputs.run_id }}", RUN)
    assert "${{" not in script
    fleet = json.dumps([{"machine": m.name, "labels": ["self-hosted", m.name]} for m in machines])
    proc = _bash(script, tmp_path, {**fake_tools, "FLEET": fleet, "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md")})
    got = {m["machine"]: m["verdict"] for m in json.loads((tmp_path / "fleet" / "fleet.json").read_text())["machines"]}
    want = {m.name: "CERTIFIED" for m in machines} | ({machines[0].name: "NO REPORT"} if missing else {})
    assert got == want
    assert proc.returncode == (1 if missing else 0), proc.stderr
    assert (tmp_path / "summary.md").read_text().startswith("## Fleet: ")


def test_gitlab_collect_job_on_extracted_artifacts(tmp_path, fake_tools):
    pipeline = yaml.safe_load((TEMPLATES / "gitlab-ci-nightly.yml").read_text())
    names = pipeline["certify"]["parallel"]["matrix"][0]["MACHINE"]
    machines = sim.make_fleet(len(names), seed=1)
    for m, name in zip(machines, names):
        m.name, m.broken = name, []
    machines[-1].broken = [("docker.runtime.registered", "`docker info` lists runtimes runc, without nvidia")]
    sim.write_fleet(tmp_path / "fleet-results", machines, RUN, layout="gitlab", finished=TONIGHT)  # artifacts: fleet-results/$MACHINE/
    (tmp_path / "fleet-machines.txt").write_text("\n".join(names) + "\n")
    script = "\n".join(line for line in pipeline["collect"]["script"] if "pip install" not in line)
    proc = _bash(script, tmp_path, {**fake_tools, "CI_PIPELINE_ID": RUN})
    got = {m["machine"]: m["verdict"] for m in json.loads((tmp_path / "fleet" / "fleet.json").read_text())["machines"]}
    assert got == {n: "CERTIFIED" for n in names[:-1]} | {names[-1]: "NOT CERTIFIED"}
    assert proc.returncode == 1 and (tmp_path / "previous-fleet" / "fleet.json").is_file()
