"""The `current-desktop` profile: Docker Desktop's WSL 2 engine instead of Docker Engine in the distro.

current-desktop-healthy.json certifies under it; the distro's own daemon and toolkit checks are not
applicable there (asked before their requirements, so never "blocked"), and the Desktop checks are not
applicable under the other profiles. The broken Desktop snapshots are rows of test_diagnosis_matrix.py;
here are the other ways each new check fails, and bad input to its probe.
"""

import json

import pytest

from suite_run import SNAPSHOTS

DESKTOP = SNAPSHOTS / "current-desktop-healthy.json"
DESKTOP_HOSTS = json.loads(DESKTOP.read_text())["hosts"]
DAEMON_JSON = next(c for c in DESKTOP_HOSTS["windows"] if c.startswith("cmd.exe /c if exist") and "daemon.json" in c)
DESKTOP_CHECKS = ("docker.desktop.engine", "windows.desktop.running", "windows.desktop.daemon_json")
# The distro's own engine and toolkit: nothing of it runs under Docker Desktop.
DISTRO_ENGINE_CHECKS = ("docker.engine.community", "docker.engine.in_distro", "docker.apt.repositories",
                        "docker.package.nvidia-container-toolkit", "docker.runtime.configured",
                        "docker.runtime.registered", "docker.toolkit.ctk", "docker.toolkit.sees_gpu",
                        "docker.toolkit.mode", "docker.toolkit.cdi", "wsl.dockerd.running", "wsl.autostart",
                        "wsl.sudoers.dockerd", "wsl.systemd.boot", "wsl.systemd.docker", "wsl.autostart.proof")


def out(stdout, stderr="", rc=0):
    return {"exit_status": rc, "stdout": stdout, "stderr": stderr, "duration": 0.05}


def variant(tmp_path, hosts: dict, metadata: dict | None = None) -> str:
    path = tmp_path / "variant.json"
    path.write_text(json.dumps({"format": "wslgpu-certify-snapshot/1", "extends": str(DESKTOP),
                                "metadata": metadata or {}, "hosts": hosts}))
    return str(path)


def test_desktop_healthy_certifies_under_current_desktop(certify):
    assert json.loads(DESKTOP.read_text())["metadata"]["profile"] == "current-desktop"
    run = certify("--snapshot", str(DESKTOP), "--cert-profile", "current-desktop")
    assert run.returncode == 0, run.output
    assert run.results["verdict"] == "CERTIFIED"
    outcomes = run.outcomes()
    assert all(outcomes[c] == "passed" for c in DESKTOP_CHECKS), {c: outcomes[c] for c in DESKTOP_CHECKS}
    for check_id in DISTRO_ENGINE_CHECKS:
        finding = run.check(check_id)
        assert finding["outcome"] == "not_applicable", finding
        assert "Docker Desktop's WSL 2 engine" in finding["message"], finding["message"]


@pytest.mark.parametrize("snapshot, profile", [("documented-healthy.json", "documented"),
                                               ("current-healthy.json", "current")])
def test_desktop_checks_do_not_apply_to_docker_in_the_distro(certify, snapshot, profile):
    run = certify("--snapshot", str(SNAPSHOTS / snapshot), "--cert-profile", profile, "--check", "docker.desktop",
                  "--check", "windows.desktop")
    for check_id in DESKTOP_CHECKS:
        finding = run.check(check_id)
        assert finding["outcome"] == "not_applicable", finding
        assert "Docker Engine inside the distro" in finding["message"], finding["message"]


def test_an_older_desktop_than_the_profile_wants(certify, tmp_path):
    profile = tmp_path / "site.toml"
    profile.write_text('extends = "current-desktop"\n[docker]\ndesktop_version = ">=4.40"\n')
    run = certify("--snapshot", str(DESKTOP), "--cert-profile", str(profile), "--check", "docker.desktop.engine")
    finding = run.check("docker.desktop.engine")
    assert finding["outcome"] == "failed" and "4.35.1 does not satisfy >=4.40" in finding["message"], finding
    assert any("winget upgrade" in c for c in finding["remediation"]["commands"])


def test_a_desktop_that_does_not_print_its_version_is_not_judged(certify, tmp_path):
    version = DESKTOP_HOSTS["wsl"]["docker version"]["stdout"].replace("Server: Docker Desktop 4.35.1 (173168)",
                                                                       "Server: Docker Engine - Community")
    run = certify("--snapshot", variant(tmp_path, {"wsl": {"docker version": out(version)}}),
                  "--cert-profile", "current-desktop", "--check", "docker.desktop.engine")
    finding = run.check("docker.desktop.engine")
    assert finding["outcome"] == "skipped" and "version is not shown" in finding["message"], finding


def test_a_default_runtime_desktop_does_not_define(certify, tmp_path):
    hosts = {"windows": {DAEMON_JSON: out('{\n  "default-runtime": "nvidia",\n  "experimental": false\n}\n')}}
    run = certify("--snapshot", variant(tmp_path, hosts), "--cert-profile", "current-desktop",
                  "--check", "windows.desktop.daemon_json")
    finding = run.check("windows.desktop.daemon_json")
    assert finding["outcome"] == "failed" and '"default-runtime": "nvidia"' in finding["message"], finding
    assert "unknown or invalid runtime name" in finding["remediation"]["why"]


# Bad input to the Windows-side daemon.json probe: never a pass, never an error.
BAD = {
    "missing": out("", "/bin/sh: 1: cmd.exe: not found\n", rc=127),
    "garbage": out(bytes(range(256)).decode("latin-1") * 3),
    "cut": out('{\n  "builder": {\n    "gc": {\n      "defaultKeep'),
    "empty": out(""),
}


@pytest.mark.parametrize("damage", sorted(BAD))
def test_bad_desktop_daemon_json_answers_fail(certify, tmp_path, damage):
    run = certify("--snapshot", variant(tmp_path, {"windows": {DAEMON_JSON: BAD[damage]}}),
                  "--cert-profile", "current-desktop", "--check", "windows.desktop.daemon_json")
    finding = run.check("windows.desktop.daemon_json")
    assert finding["outcome"] == "failed", finding
    assert "Traceback" not in run.output


def test_no_default_marker_is_not_judged(certify, tmp_path):
    """WSL 2.4.4 marks no default in `wsl -l -v` and names none in `wsl --status`."""
    hosts = {"windows": {
        "wsl.exe --list --verbose": out("  NAME              STATE           VERSION\n  Ubuntu            Running         2\n"
                                        "  docker-desktop    Stopped         2\n"),
        "wsl.exe --status": out("Default Version: 1\n")}}
    run = certify("--snapshot", variant(tmp_path, hosts), "--cert-profile", "current-desktop",
                  "--check", "windows.distro.default")
    finding = run.check("windows.distro.default")
    assert finding["outcome"] == "skipped" and "wsl --update" in finding["message"], finding


def test_docker_desktop_marked_default_is_not_the_distro_certified(certify, tmp_path):
    """Under --env=windows without --distro the suite takes the `*` distro, unless it is Docker Desktop's."""
    hosts = {"windows": {"wsl.exe --list --verbose": out(
        "  NAME              STATE           VERSION\n  Ubuntu            Running         2\n"
        "* docker-desktop    Running         2\n")}}
    metadata = {"env": "windows", "distro": None, "profile": "current-desktop"}
    run = certify("--snapshot", variant(tmp_path, hosts, metadata), "--cert-profile", "current-desktop",
                  "--check", "windows.distro")
    finding = run.check("windows.distro.default")
    assert finding["outcome"] == "failed" and "docker-desktop" in finding["message"], finding
    assert any("wsl.exe --set-default Ubuntu" in c for c in finding["remediation"]["commands"])


# ---- pasted output (`wslgpu-certify diagnose`) under the Desktop profile ----------------------------------

def _diagnosed(text: str, profile: str) -> set[str]:
    from wslgpu_certify.diagnose.diagnosis import diagnose
    from wslgpu_certify.profile import load_profile
    return {f.check_id or f.source for f in diagnose(text, load_profile(profile)).findings}


LIST_DESKTOP_DEFAULT_STOPPED = ("PS> wsl -l -v\n  NAME              STATE           VERSION\n"
                                "  Ubuntu            Running         2\n* docker-desktop    Stopped         2\n")


def test_pasted_list_names_docker_desktop_default_and_stopped():
    assert _diagnosed(LIST_DESKTOP_DEFAULT_STOPPED, "current-desktop") == {"windows.distro.default",
                                                                          "windows.desktop.running"}
    assert _diagnosed(LIST_DESKTOP_DEFAULT_STOPPED, "current") == {"windows.distro.default"}


def test_pasted_status_with_docker_desktop_as_default():
    text = "Default Distribution: docker-desktop\nDefault Version: 2\n"
    assert _diagnosed(text, "current") == {"windows.distro.default"}


def test_pasted_desktop_engine_is_a_finding_only_where_the_profile_expects_docker_in_the_distro():
    version = DESKTOP_HOSTS["wsl"]["docker version"]["stdout"]
    assert "docker.engine.community" in _diagnosed(version, "current")
    assert _diagnosed(version, "current-desktop") == set()
