"""The `current-desktop` profile: Docker Desktop's WSL 2 engine instead of Docker Engine in the distro.

current-desktop-healthy.json certifies under it; the distro's own daemon and toolkit checks are not
applicable there (asked before their requirements, so never "blocked"), and the Desktop checks are not
applicable under the other profiles. The broken Desktop snapshots are rows of test_diagnosis_matrix.py;
here are the other ways each new check fails, and bad input to its probe.
"""

import json

import pytest

from catalog_facts import applies_only_where
from suite_run import SNAPSHOTS, mutated, replay_rows

# One worker replays this module's batch (tests/pytest.ini: --dist loadgroup), not each worker the whole batch.
pytestmark = pytest.mark.xdist_group("desktop-profile")

DESKTOP = SNAPSHOTS / "current-desktop-healthy.json"
DESKTOP_HOSTS = json.loads(DESKTOP.read_text())["hosts"]
DAEMON_JSON = next(c for c in DESKTOP_HOSTS["windows"] if c.startswith("cmd.exe /c if exist") and "daemon.json" in c)
DESKTOP_CHECKS = sorted(applies_only_where("docker.engine", "desktop"))
# The distro's own engine and toolkit: nothing of it runs under Docker Desktop.
DISTRO_ENGINE_CHECKS = sorted(applies_only_where("docker.engine", "distro"))


def out(stdout, stderr="", rc=0):
    return {"exit_status": rc, "stdout": stdout, "stderr": stderr, "duration": 0.05}


# Every test's machine: name -> (the snapshot it extends, answers replaced, metadata, profile name or site profile
# text). Replayed in one run of the product per profile (suite_run.replay_rows), the whole catalog each.
ROWS: dict[str, tuple] = {}


def row(name: str, hosts: dict | None = None, metadata: dict | None = None, profile: str = "current-desktop",
        base=DESKTOP) -> str:
    ROWS[name] = (base, hosts or {}, metadata, profile)
    return name


@pytest.fixture(scope="module")
def replays(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("desktop-profile")
    rows = {}
    for name, (base, hosts, metadata, profile) in ROWS.items():
        if "\n" in profile:  # a site profile's text
            (tmp / f"{name}.toml").write_text(profile)
            profile = str(tmp / f"{name}.toml")
        rows[name] = (mutated(base, hosts, metadata), ("--cert-profile", profile))
    return replay_rows(tmp, rows)


HEALTHY_ROW = row("healthy")


def test_desktop_healthy_certifies_under_current_desktop(replays):
    assert json.loads(DESKTOP.read_text())["metadata"]["profile"] == "current-desktop"
    run = replays[HEALTHY_ROW]
    assert run.results["verdict"] == "CERTIFIED", run.output[-3000:]
    assert f"\n{run.results['run']['machine_id']}: CERTIFIED (" in run.output  # the run's line for this machine
    outcomes = run.outcomes()
    assert all(outcomes[c] == "passed" for c in DESKTOP_CHECKS), {c: outcomes[c] for c in DESKTOP_CHECKS}
    for check_id in DISTRO_ENGINE_CHECKS:
        finding = run.check(check_id)
        assert finding["outcome"] == "not_applicable", finding
        assert "Docker Desktop's WSL 2 engine" in finding["message"], finding["message"]


DISTRO_ENGINE_ROWS = [("documented-healthy.json", "documented"), ("current-healthy.json", "current")]
for _snapshot, _profile in DISTRO_ENGINE_ROWS:
    row(f"distro-engine-{_profile}", profile=_profile, base=SNAPSHOTS / _snapshot)


@pytest.mark.parametrize("snapshot, profile", DISTRO_ENGINE_ROWS)
def test_desktop_checks_do_not_apply_to_docker_in_the_distro(replays, snapshot, profile):
    run = replays[f"distro-engine-{profile}"]
    for check_id in DESKTOP_CHECKS:
        finding = run.check(check_id)
        assert finding["outcome"] == "not_applicable", finding
        assert "Docker Engine inside the distro" in finding["message"], finding["message"]


OLDER_ROW = row("older-desktop", profile='extends = "current-desktop"\n[docker]\ndesktop_version = ">=4.40"\n')


def test_an_older_desktop_than_the_profile_wants(replays):
    finding = replays[OLDER_ROW].check("docker.desktop.engine")
    assert finding["outcome"] == "failed" and "4.35.1 does not satisfy >=4.40" in finding["message"], finding
    assert any("winget upgrade" in c for c in finding["remediation"]["commands"])


_NO_VERSION = DESKTOP_HOSTS["wsl"]["docker version"]["stdout"].replace("Server: Docker Desktop 4.35.1 (173168)",
                                                                      "Server: Docker Engine - Community")
NO_VERSION_ROW = row("no-version", {"wsl": {"docker version": out(_NO_VERSION)}})


def test_a_desktop_that_does_not_print_its_version_is_not_judged(replays):
    finding = replays[NO_VERSION_ROW].check("docker.desktop.engine")
    assert finding["outcome"] == "skipped" and "version is not shown" in finding["message"], finding


DEFAULT_RUNTIME_ROW = row("default-runtime", {"windows": {
    DAEMON_JSON: out('{\n  "default-runtime": "nvidia",\n  "experimental": false\n}\n')}})


def test_a_default_runtime_desktop_does_not_define(replays):
    finding = replays[DEFAULT_RUNTIME_ROW].check("windows.desktop.daemon_json")
    assert finding["outcome"] == "failed" and '"default-runtime": "nvidia"' in finding["message"], finding
    assert "unknown or invalid runtime name" in finding["remediation"]["why"]


# Bad input to the Windows-side daemon.json probe: never a pass, never an error.
BAD = {
    "missing": out("", "/bin/sh: 1: cmd.exe: not found\n", rc=127),
    "garbage": out(bytes(range(256)).decode("latin-1") * 3),
    "cut": out('{\n  "builder": {\n    "gc": {\n      "defaultKeep'),
    "empty": out(""),
}
for _damage, _answer in BAD.items():
    row(f"bad-{_damage}", {"windows": {DAEMON_JSON: _answer}})


@pytest.mark.parametrize("damage", sorted(BAD))
def test_bad_desktop_daemon_json_answers_fail(replays, damage):
    run = replays[f"bad-{damage}"]
    finding = run.check("windows.desktop.daemon_json")
    assert finding["outcome"] == "failed", finding
    assert "Traceback" not in run.output  # the output of the whole run this machine was part of


NO_MARKER_ROW = row("no-default-marker", {"windows": {
    "wsl.exe --list --verbose": out("  NAME              STATE           VERSION\n  Ubuntu            Running         2\n"
                                    "  docker-desktop    Stopped         2\n"),
    "wsl.exe --status": out("Default Version: 1\n")}})


def test_no_default_marker_is_not_judged(replays):
    """WSL 2.4.4 marks no default in `wsl -l -v` and names none in `wsl --status`."""
    finding = replays[NO_MARKER_ROW].check("windows.distro.default")
    assert finding["outcome"] == "skipped" and "wsl --update" in finding["message"], finding


DESKTOP_DEFAULT_ROW = row("desktop-marked-default", {"windows": {"wsl.exe --list --verbose": out(
    "  NAME              STATE           VERSION\n  Ubuntu            Running         2\n"
    "* docker-desktop    Running         2\n")}}, {"env": "windows", "distro": None, "profile": "current-desktop"})


def test_docker_desktop_marked_default_is_not_the_distro_certified(replays):
    """Under --env=windows without --distro the suite takes the `*` distro, unless it is Docker Desktop's."""
    finding = replays[DESKTOP_DEFAULT_ROW].check("windows.distro.default")
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
