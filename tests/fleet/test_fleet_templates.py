"""The fleet's pipeline files hold the keys the design relies on, and their `collect` step works on
the folders their artifact steps leave.

GitHub: a matrix from a repository variable (fromJSON), one job per machine on its own runner
labels, a time limit, fail-fast off, an artifact per machine named after it uploaded `if: always()`,
the suite called with --machine-id, --run-id and --record; the aggregation is a workflow of its own
on a schedule (no `needs:`), downloading only the expected machines' artifacts, each into its own
folder (a stand-in `gh` serves a night's artifacts, hostile ones included, to the real step).
GitLab: `parallel:matrix`, the machine's tag, a later-stage `collect` without `needs:`, retries only
for runner system failures and stuck jobs (never script_failure).
The collect steps are taken out of the files and run with bash on a simulated night.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
import zipfile
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
    assert job["env"]["MACHINE"] == "${{ matrix.machine }}"  # scripts read "$MACHINE" (tests/project/test_ci_templates.py)
    certify = step(job, name="Certify")["run"]
    for option in ('--machine-id "$MACHINE"', '--run-id "$GITHUB_RUN_ID"', '--record "reports/'):
        assert option in certify
    upload = step(job, uses="actions/upload-artifact@")
    assert upload["if"] == "always()" and upload["with"]["name"] == "certification-${{ matrix.machine }}"
    assert upload["with"]["path"] == "reports/"


def test_github_aggregation_is_its_own_scheduled_workflow():
    workflow = load("github-actions-fleet.yml")
    assert workflow["on"]["schedule"][0]["cron"]
    assert all("needs" not in job for job in workflow["jobs"].values())
    job = workflow["jobs"]["collect"]
    assert not any(s.get("uses", "").startswith("actions/download-artifact@") for s in job["steps"])  # by name, below
    assert "results/certification-$machine" in step(job, name="Download each expected machine's artifact")["run"]
    assert "wslgpu-fleet collect results --expected expected.json" in step(job, name="Collect")["run"]
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
    """`wslgpu-fleet` on PATH as the checkout's package (no install needed), `python` as this one
    (setup-python's name for it)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python").symlink_to(sys.executable)
    tool = bin_dir / "wslgpu-fleet"
    tool.write_text(f"#!/bin/sh\nPYTHONPATH={REPO / 'plugins'} exec {sys.executable} -m wslgpu_certify.fleet \"$@\"\n")
    tool.chmod(tool.stat().st_mode | stat.S_IEXEC)
    return {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}


def _bash(script: str, cwd, env) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", "-e", "-c", script], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


FAKE_GH = """#!/usr/bin/env python3
# `gh api` as the collect job calls it, from a night on disk: the run's artifact list (through jq,
# as gh's --jq) and each artifact's zip; an id listed without a zip fails as a download would.
import json, os, subprocess, sys
night = os.environ["FAKE_NIGHT"]
args = [a for a in sys.argv[1:] if a != "--paginate"]
path = args[1]
if path.endswith("/zip"):
    zip_path = os.path.join(night, path.split("/")[-2] + ".zip")
    if not os.path.exists(zip_path):
        sys.exit("HTTP 500")
    sys.stdout.buffer.write(open(zip_path, "rb").read())
else:
    listing = open(os.path.join(night, "artifacts.json")).read()
    sys.exit(subprocess.run(["jq", "-r", args[args.index("--jq") + 1]], input=listing, text=True).returncode)
"""


def _zip(path, files: dict):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)


def _night(tmp_path, machines, missing: bool):
    """A nightly run's artifacts as the API serves them, with hostile ones beside the honest."""
    night, stage = tmp_path / "night", tmp_path / "stage"
    night.mkdir()
    listing, ids = [], iter(range(1000, 2000))

    def artifact(name, files, size=None, expired=False, served=True):
        number = next(ids)
        if served:
            _zip(night / f"{number}.zip", files)
        listing.append({"name": name, "id": number, "expired": expired,
                        "size_in_bytes": size or (night / f"{number}.zip").stat().st_size if served else 5000})

    def reports(m, as_machine=None):  # what upload-artifact of reports/ holds
        writer = sim.SimMachine(**{**vars(m), "name": as_machine}) if as_machine else m
        folder = sim.machine_folder(stage, writer.name, "github")
        sim.write_machine(stage, writer, RUN, layout="github", finished=TONIGHT)
        return {str(f.relative_to(folder)): f.read_bytes() for f in folder.rglob("*") if f.is_file()}

    honest, impostor, escape, big, bomb, broken_download, expired = machines[:7]
    for m in machines[7:] + [honest]:
        if not (missing and m is honest):
            artifact(f"certification-{m.name}", reports(m))
    artifact(f"certification-{impostor.name}", reports(impostor, as_machine=honest.name))  # another machine's results
    artifact(f"certification-{escape.name}", {**reports(escape), "../../escaped.txt": b"x", f"{tmp_path}/abs-escape.txt": b"x",
                                              "latest/../../../up.txt": b"x"})
    artifact(f"certification-{big.name}", reports(big), size=2**30)  # over MAX_ZIP_BYTES as listed
    artifact(f"certification-{bomb.name}", {**reports(bomb), "padding.bin": b"\0" * 2_000_000})  # over the unpacked cap below
    artifact(f"certification-{broken_download.name}", reports(broken_download), served=False)
    artifact(f"certification-{expired.name}", reports(expired), expired=True)
    artifact("certification-not-in-the-fleet", reports(sim.make_fleet(1, seed=3, prefix="stranger")[0]))
    for name in HOSTILE_FLEET_ENTRIES:  # GitHub refuses artifact names holding any of " : < > | * ? \\ / CR LF
        if not set(name) & set('":<>|*?\\/\r\n'):
            artifact(f"certification-{name}", reports(honest))
    (night / "artifacts.json").write_text(json.dumps({"total_count": len(listing), "artifacts": listing}))
    return night


HOSTILE_FLEET_ENTRIES = ["../outside", "a/b", "$(touch PWNED)", "x;touch PWNED", "`touch PWNED`", "..", "", "tab\tname", "new\nline", "ws-0001\u202e"]


def _github_night(tmp_path, fake_tools, missing=False):
    """Tonight's artifacts behind a stand-in `gh`; returns the machines, the collect job, its folder and env."""
    if shutil.which("jq") is None:  # GitHub's runners have it; the stand-in gh runs --jq through it too
        if os.environ.get("CI") == "true":
            pytest.fail("jq is not installed (CI=true: .ci/run installs it)")
        pytest.skip("jq is not installed (apt-get install jq): the GitHub collect job's scripts use it")
    machines = [m for m in sim.make_fleet(20, seed=9) if m.certified][:10]
    night = _night(tmp_path, machines, missing)
    gh = tmp_path / "bin" / "gh"
    gh.write_text(FAKE_GH.replace("/usr/bin/env python3", sys.executable))
    gh.chmod(0o755)
    job = load("github-actions-fleet.yml")["jobs"]["collect"]
    download = step(job, name="Download each expected machine's artifact")
    fleet = json.dumps([{"machine": m.name, "labels": ["self-hosted", m.name]} for m in machines])
    work = tmp_path / "work"
    work.mkdir()
    env = {**fake_tools, **download["env"], "FLEET": fleet, "RUN_ID": RUN, "GITHUB_REPOSITORY": "o/r", "FAKE_NIGHT": str(night),
           "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"), "MAX_UNPACKED_BYTES": "1000000"}  # the bomb's cap, lowered (an honest artifact is about 0.2 MB)
    return machines, job, work, env


@pytest.mark.parametrize("missing", [False, True], ids=["all-reported", "one-missing"])
def test_github_download_and_collect_steps_on_a_night_with_hostile_artifacts(tmp_path, fake_tools, missing):
    machines, job, work, env = _github_night(tmp_path, fake_tools, missing)
    download = step(job, name="Download each expected machine's artifact")
    hostile_fleet = json.dumps(json.loads(env["FLEET"]) + [{"machine": name} for name in HOSTILE_FLEET_ENTRIES] + HOSTILE_FLEET_ENTRIES)
    proc = _bash(download["run"], work, {**env, "FLEET": hostile_fleet})  # no such name becomes a path or a command
    assert proc.returncode == 0, proc.stderr
    folders = sorted(p.name for p in (work / "results").iterdir())
    expected_folders = {f"certification-{m.name}" for m in machines} - {f"certification-{machines[n].name}" for n in (3, 5, 6)}
    assert set(folders) == expected_folders - ({f"certification-{machines[0].name}"} if missing else set())
    assert not list(tmp_path.rglob("PWNED"))
    escape_folder = work / "results" / f"certification-{machines[2].name}"  # zipfile keeps ../ and / names inside it
    escapes = [f for f in tmp_path.rglob("*") if f.name in ("escaped.txt", "abs-escape.txt", "up.txt")]
    assert len(escapes) == 3 and all(escape_folder in f.parents for f in escapes), escapes
    assert not (work / "results" / f"certification-{machines[4].name}" / "padding.bin").exists()  # the bomb: not unpacked

    collect = step(job, name="Collect")
    proc = _bash(collect["run"], work, {**env, **{k: v for k, v in collect["env"].items() if "${{" not in v}})
    assert (work / "fleet" / "fleet.json").is_file(), proc.stderr
    got = {m["machine"]: m["verdict"] for m in json.loads((work / "fleet" / "fleet.json").read_text())["machines"]}
    want = {m.name: "CERTIFIED" for m in machines} | {m.name: "NO REPORT" for m in (machines[3], machines[4], machines[5], machines[6])}
    want |= {machines[1].name: "INVALID"} | ({machines[0].name: "NO REPORT"} if missing else {})  # the impostor's results
    assert {k: v for k, v in got.items() if k in want} == want, proc.stderr
    assert set(got) == set(want)  # no hostile FLEET entry, no stranger's artifact became a machine
    assert proc.returncode == 1
    assert (tmp_path / "summary.md").read_text().startswith("## Fleet: ")


def test_github_download_step_stops_unpacking_at_the_nights_budget(tmp_path, fake_tools):
    machines, job, work, env = _github_night(tmp_path, fake_tools)
    with zipfile.ZipFile(tmp_path / "night" / "1000.zip") as first:  # the first listed: machines[7]'s, as honest as any
        one = sum(member.file_size for member in first.infolist())
    download = step(job, name="Download each expected machine's artifact")
    proc = _bash(download["run"], work, {**env, "MAX_NIGHT_BYTES": str(one * 3 // 2)})  # room for one machine's
    assert proc.returncode == 0, proc.stderr
    unpacked = [f.parent.parent.name for f in (work / "results").glob("*/latest/results.json")]
    assert unpacked == [f"certification-{machines[0].name}"], unpacked  # the first in FLEET; the rest: over the budget
    assert proc.stderr.count("not unpacked") >= 5


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
