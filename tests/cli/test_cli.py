"""The command line as users type it: options, bad input, exit codes, files written."""

import json
import xml.etree.ElementTree as ET

import pytest

from suite_run import SNAPSHOTS

HEALTHY = SNAPSHOTS / "documented-healthy.json"


def test_replay_of_healthy_snapshot_certifies(certify):
    run = certify("--snapshot", str(HEALTHY))
    assert run.returncode == 0, run.output
    assert "wslgpu-certify: CERTIFIED" in run.output
    results = run.results
    assert results["verdict"] == "CERTIFIED"
    assert results["machine"]["hostname"] == "gpu-workstation"
    # no --cert-profile: auto, which takes the profile the snapshot recorded (the guide's)
    assert results["profile"]["name"] == results["machine"]["profile"] == "documented"
    assert results["profile"]["chosen_by"] == "auto" and "recorded under profile documented" in results["profile"]["reason"]
    assert len(results["checks"]) >= 40
    first = results["checks"][0]
    assert set(first) >= {"id", "layer", "title", "outcome", "message", "remediation", "evidence"}
    assert first["evidence"][0]["command"] == "cmd.exe /c ver"


def test_run_folder_holds_report_junit_results_and_latest_copy(certify):
    run = certify("--snapshot", str(HEALTHY))
    folders = [p for p in run.reports.iterdir() if p.name != "latest"]
    assert len(folders) == 1 and folders[0].name.endswith("-gpu-workstation")
    for name in ("report.html", "junit.xml", "results.json"):
        assert (folders[0] / name).read_bytes() == (run.reports / "latest" / name).read_bytes()
    junit = ET.parse(run.reports / "latest" / "junit.xml")
    props = {p.get("name"): p.get("value") for p in junit.iter("property")}
    assert {"check_id", "layer", "title"} <= set(props)


def test_snapshot_with_space_separated_absolute_path_from_outside_dir(certify, tmp_path):
    """pytest would take `/abs/x.json` for a test path; the entry-point plugin still runs the checks."""
    copy = tmp_path / "machine.json"
    copy.write_text(HEALTHY.read_text())
    run = certify("--env=replay", "--snapshot", str(copy))
    assert run.returncode == 0, run.output
    assert run.results["verdict"] == "CERTIFIED"
    assert "tests/" not in run.output  # the project's own tests were not collected


def test_failed_check_exits_1_and_prints_its_fix(certify):
    run = certify("--snapshot", str(SNAPSHOTS / "broken-known-bad-build.json"))
    assert run.returncode == 1
    assert "NOT CERTIFIED" in run.output
    assert "FAIL windows.build: Windows build 20231 is known to break GPU compute in WSL" in run.output
    # the key step, with the shell it runs in; "Roll back to build 20201" is its instruction
    assert "fix on Windows (cmd): start ms-settings:recovery" in run.output


@pytest.mark.parametrize("args, message", [
    (["--env=moon"], "--env='moon' is not one of: auto, wsl, windows, linux, replay"),
    (["--env=replay"], "--env=replay needs --snapshot PATH (try --snapshot documented-healthy, a bundled example)"),
    (["--snapshot", "documented-helthy"], "no such file, nor a bundled example snapshot (did you mean documented-healthy"),
    (["--snapshot", "/nonexistent/machine.json"], "snapshot not found: /nonexistent/machine.json"),
    (["--snapshot", str(HEALTHY), "--record", "/tmp/x.json", "--env=replay"], "--record cannot be combined with --env=replay"),
    (["--snapshot", str(HEALTHY), "--cert-profile", "nonsense"], "unknown profile 'nonsense'"),
    (["--env=linux", "--snapshot", str(HEALTHY)], "--snapshot is only used with --env=replay"),
    (["--snapshot", str(HEALTHY), "--probe-timeout", "soon"], "--probe-timeout must be a positive number"),
    (["--env=linux", "--prove-autostart"], "--prove-autostart runs `wsl --shutdown`, which would stop this very run"),
    # the wrong env for this (native Linux) machine: what it is and which env fits
    (["--env=wsl"], "--env=wsl: this machine is not a WSL distro, it runs a native Linux kernel"),
    (["--env=windows"], "--env=windows: cmd.exe and wsl.exe cannot be started here"),
    # the old spelling of --cert-profile (pytest-profiling owns --profile)
    (["--snapshot", str(HEALTHY), "--profile", "current"], "--profile is now --cert-profile"),
    (["--snapshot", str(HEALTHY), "--profile", "site.toml"], "use --cert-profile site.toml"),
    (["--snapshot", str(HEALTHY), "--layer", "moon"], "--layer 'moon' is not a layer (the layers: windows, wsl"),
])
def test_bad_options_end_in_one_line_usage_error(certify, args, message):
    run = certify(*args)
    assert run.returncode == 4, run.output
    assert message in run.output
    assert "Traceback" not in run.output
    assert not (run.reports / "latest").exists()  # nothing certified, nothing written


@pytest.mark.parametrize("content, message", [
    ("{not json", "is not valid JSON"),
    ("[]", "is not a wslgpu-certify-snapshot/1 file"),
    (json.dumps({"format": "wslgpu-certify-snapshot/1", "hosts": {"wsl": ["x"]}}), "hosts.wsl must map commands"),
    (json.dumps({"format": "wslgpu-certify-snapshot/1", "extends": "missing.json"}), "snapshot not found"),
    ("\udcff", "cannot be read"),
])
def test_malformed_snapshot_is_a_usage_error(certify, tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_bytes(content.encode("utf-8", "surrogateescape"))
    run = certify("--snapshot", str(path))
    assert run.returncode == 4, run.output
    assert message in run.output and "Traceback" not in run.output


def test_command_missing_from_snapshot_skips_with_reason(certify, tmp_path):
    partial = tmp_path / "partial.json"
    partial.write_text(json.dumps({"format": "wslgpu-certify-snapshot/1", "extends": str(HEALTHY),
                                   "hosts": {"windows": {"cmd.exe /c ver": None}}}))
    run = certify("--snapshot", str(partial))
    check = run.check("windows.build")
    assert check["outcome"] == "skipped"
    assert check["message"] == "not recorded in snapshot: cmd.exe /c ver"


def test_custom_profile_overrides_a_bundled_one(certify, tmp_path):
    profile = tmp_path / "site.toml"
    profile.write_text('extends = "documented"\nname = "site"\n[gpu.nbody_baseline_gflops]\n"GeForce RTX 2070" = 9000.0\n')
    run = certify("--snapshot", str(HEALTHY), "--cert-profile", str(profile))
    assert run.results["machine"]["profile"] == "site"
    assert run.check("gpu.nbody.performance")["outcome"] == "failed"
    assert "under the 9000.0 GFLOP/s baseline" in run.check("gpu.nbody.performance")["message"]


def test_native_linux_skips_windows_and_wsl_layers_as_not_a_wsl_machine(certify):
    run = certify("--env=linux", "-k", "windows or wsl.gpu")
    outcomes = run.results["checks"]
    windows = [c for c in outcomes if c["layer"] == "windows"]
    assert windows and all(c["outcome"] == "not_applicable" and c["message"].startswith("not a WSL machine")
                           for c in windows)
    assert "To see a full run: wslgpu-certify --snapshot documented-healthy\n" in run.output  # runs anywhere
    assert "pytest --" not in run.output and "fixtures/snapshots" not in run.output
    # auto on native Linux: current (no native-Linux profile yet), said so in the verdict's first line
    assert run.results["profile"]["name"] == "current" and run.results["profile"]["chosen_by"] == "auto"
    assert "profile current: native Linux (kernel " in run.output and "no native-Linux profile yet" in run.output


def test_fixes_name_the_distros_user_when_no_one_said_who(certify, tmp_path):
    """--env=windows without --wsl-user: the user in a fix is the distro's default user, asked of it once."""
    snapshot = tmp_path / "from-windows.json"
    snapshot.write_text(json.dumps({
        "format": "wslgpu-certify-snapshot/1", "extends": str(SNAPSHOTS / "broken-not-in-docker-group.json"),
        "metadata": {"env": "windows", "user": None},
        "hosts": {"windows": {"wsl.exe -d Ubuntu -- id -un": {"exit_status": 0, "stdout": "ana\n", "stderr": ""}}}}))
    run = certify("--snapshot", str(snapshot))
    fix = run.check("wsl.user.docker_group")["remediation"]
    assert any("usermod -a -G docker ana" in step for step in fix["commands"]), fix
    assert "<USER_NAME>" not in json.dumps(run.results)


def test_a_run_stopped_early_is_incomplete_and_never_certified(certify):
    run = certify("--snapshot", str(SNAPSHOTS / "broken-no-dxg.json"), "-x")
    assert run.results["complete"] is False and run.results["verdict"] == "NOT CERTIFIED"
    assert "the run was interrupted" in run.results["headline"] and run.returncode != 0


@pytest.mark.parametrize("listing", ["--collect-only", "--fixtures", "--fixtures-per-test", "--markers"])
def test_listing_writes_no_run_folder(certify, listing):
    run = certify("--snapshot", str(HEALTHY), listing)
    assert run.returncode == 0, run.output[-2000:]
    assert not run.reports.exists() or not any(run.reports.iterdir())


def test_an_unusable_reports_dir_is_one_line(certify, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    run = certify("--snapshot", str(HEALTHY), "--reports-dir", str(blocker / "reports"))
    assert run.returncode == 4 and "cannot create a run folder under" in run.output
    assert "Traceback" not in run.output


def test_two_runs_in_the_same_second_get_folders_of_their_own(tmp_path):
    from wslgpu_certify.reports.run_folder import new_run_dir

    first, second = new_run_dir(tmp_path, "box"), new_run_dir(tmp_path, "box")
    assert first != second and first.is_dir() and second.is_dir()
