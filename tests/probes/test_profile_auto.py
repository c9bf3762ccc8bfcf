"""--cert-profile auto, the default: the profile that fits the machine, said with its reason, once.

In process: the rule (profile_choice.py) on a table of machines, the facts read through a machine's
runners (probes/profile_facts.py, here answered by snapshots as a live machine would answer), and
diagnose on pastes. One suite run replays every bundled snapshot (`--snapshot FOLDER`); two more show
the contradiction warning and its absence end to end.
"""

from __future__ import annotations

import json

import pytest

from suite_run import SNAPSHOTS, make_runner
from wslgpu_certify.diagnose import main as diagnose_main
from wslgpu_certify.diagnose.diagnosis import diagnose
from wslgpu_certify.hosts.machine import replay_machine
from wslgpu_certify.probes.profile_facts import read_facts, resolve_profile
from wslgpu_certify.profile import ProfileError
from wslgpu_certify.profile_choice import MachineFacts, choose, explicit, from_snapshot
from wslgpu_certify.hosts.snapshot import load_snapshot

BUNDLED = sorted(SNAPSHOTS.glob("*.json"))
DOCUMENTED, CURRENT, DESKTOP = (SNAPSHOTS / f"{n}-healthy.json" for n in ("documented", "current", "current-desktop"))

VER = "cmd.exe /c ver"
KERNEL = "cat /proc/version"
DOCKER_INFO = "docker info"


def ver(build: int) -> str:
    return f"\nMicrosoft Windows [Version 10.0.{build}.1000]\n"


def proc_version(release: str) -> str:
    return f"Linux version {release} (oe-user@oe-host) (gcc version 8.2.0 (GCC)) #1 SMP Tue Oct 1 00:00:00 UTC 2024\n"


def answer(stdout: str, exit_status: int = 0) -> dict:
    return {"exit_status": exit_status, "stdout": stdout, "stderr": ""}


# ---------------------------------------------------------------- the rule, on a table of machines
WIN11_DESKTOP = "Docker Desktop"
TABLE = [  # (facts, profile, words the reason holds)
    (MachineFacts("wsl", 20150, "4.19.121-microsoft-standard"), "documented", "Windows 10 Insider build 20150: the guide's"),
    (MachineFacts("wsl", 20201, "4.19.128-microsoft-standard"), "documented", "Windows 10 Insider build 20201"),
    (MachineFacts("wsl", 20257, "5.4.72-microsoft-standard-WSL2"), "documented", "(20150-20257)"),
    (MachineFacts("wsl", 20231), "documented", "build 20231"),  # the guide's known-bad build: documented flags it
    (MachineFacts("wsl", 19044, "5.10.102.1-microsoft-standard-WSL2"), "current", "Windows 10 build 19044: Windows 10 21H2"),
    (MachineFacts("wsl", 22631, "5.15.153.1-microsoft-standard-WSL2"), "current",
     "Windows 11 build 22631: newer than the guide's 20201 -> current; --cert-profile documented for the guide exactly"),
    (MachineFacts("windows", 26100, "5.15.167.4-microsoft-standard-WSL2"), "current", "Windows 11 build 26100: newer"),
    (MachineFacts("wsl", 19041), "current", "older than today's 19044"),
    (MachineFacts("wsl", 20262), "current", "Windows 10 build 20262: newer than the guide's 20201"),
    (MachineFacts("wsl", None, "4.19.121-microsoft-standard"), "documented", "kernel 4.19.121-microsoft-standard: the guide's"),
    (MachineFacts("wsl", None, "5.15.167.4-microsoft-standard-WSL2"), "current", "newer than the guide's 4.19"),
    (MachineFacts("wsl", None, "6.6.36.3-microsoft-standard-WSL2"), "current", "kernel 6.6.36.3"),
    (MachineFacts("wsl"), "current", "Windows build and kernel not read"),
    (MachineFacts("wsl", 26100, "5.15.167.4-microsoft-standard-WSL2", WIN11_DESKTOP), "current-desktop",
     "Operating System Docker Desktop) -> current-desktop; --cert-profile current for Docker Engine in the distro"),
    (MachineFacts("wsl", 19045, None, WIN11_DESKTOP), "current-desktop", "Windows 10 build 19045"),
    (MachineFacts("wsl", None, "6.6.36.3-microsoft-standard-WSL2", WIN11_DESKTOP), "current-desktop", "kernel 6.6.36.3"),
    (MachineFacts("wsl", 26100, None, "Ubuntu 22.04.5 LTS"), "current", "build 26100"),  # Docker CE in the distro
    (MachineFacts("wsl", 20201, None, WIN11_DESKTOP), "documented", "Docker Desktop answers, which the guide does not use"),
    (MachineFacts("linux", None, "6.1.0-18-amd64"), "current", "native Linux (kernel 6.1.0-18-amd64): no native-Linux"),
    (MachineFacts("linux", None, "6.8.0-45-generic", WIN11_DESKTOP), "current", "its Windows and WSL checks not applicable"),
]


@pytest.mark.parametrize("facts, profile, words", TABLE, ids=[f"{f.env}-{f.windows_build}-{f.kernel}-{f.docker_os}"
                                                              for f, _, _ in TABLE])
def test_auto_chooses_the_profile_that_fits_and_says_why(facts, profile, words):
    choice = choose(facts)
    assert (choice.name, choice.chosen_by, choice.warning) == (profile, "auto", None)
    assert words in choice.reason and f"-> {profile}" in choice.reason and "\n" not in choice.reason


# ---------------------------------------------------------------- the facts, read as a live run reads them
def machine_answering(tmp_path, base, hosts: dict, env: str = "wsl"):
    """A machine whose answers are `base`'s with `hosts` over them, and no recorded profile: auto must read it."""
    path = tmp_path / "machine.json"
    path.write_text(json.dumps({"format": "wslgpu-certify-snapshot/1", "extends": str(base),
                                "metadata": {"profile": None, "env": env}, "hosts": hosts}))
    return replay_machine(load_snapshot(path), {}, 60.0, None, None)


LIVE_LIKE = [  # (base snapshot, answers over it, env, profile)
    (DOCUMENTED, {}, "wsl", "documented"),
    (CURRENT, {}, "wsl", "current"),
    (DESKTOP, {}, "wsl", "current-desktop"),
    (CURRENT, {"windows": {VER: answer(ver(20201))}}, "wsl", "documented"),
    (DOCUMENTED, {"windows": {VER: answer(ver(22631))}}, "wsl", "current"),
    (CURRENT, {"windows": {VER: None}, "wsl": {KERNEL: answer(proc_version("4.19.121-microsoft-standard"))}}, "wsl",
     "documented"),
    (DOCUMENTED, {"windows": {VER: answer("", 1)}, "wsl": {KERNEL: answer(proc_version("6.6.36.3-microsoft-standard-WSL2"))}},
     "wsl", "current"),
    (DOCUMENTED, {"windows": {VER: answer("garbage, no version here\n")}}, "wsl", "documented"),  # kernel 4.19.128 decides
    (CURRENT, {"wsl": {DOCKER_INFO: json.loads(DESKTOP.read_text())["hosts"]["wsl"][DOCKER_INFO]}}, "wsl", "current-desktop"),
    (DESKTOP, {"wsl": {DOCKER_INFO: answer("Cannot connect to the Docker daemon at unix:///var/run/docker.sock. "
                                           "Is the docker daemon running?\n", 1)}}, "wsl", "current"),
    (CURRENT, {}, "linux", "current"),
    # --env=windows: the kernel is the distro's, read through wsl.exe -d DISTRO
    (DOCUMENTED, {"windows": {VER: None}}, "windows", "documented"),
    (DOCUMENTED, {"windows": {VER: None, "wsl.exe -d Ubuntu -- cat /proc/version":
                              answer(proc_version("5.15.167.4-microsoft-standard-WSL2"))}}, "windows", "current"),
]


@pytest.mark.parametrize("base, hosts, env, profile", LIVE_LIKE)
def test_the_facts_are_read_through_the_machines_runners(tmp_path, base, hosts, env, profile):
    machine = machine_answering(tmp_path, base, hosts, env)
    resolve_profile(machine, "auto")
    assert machine.profile["name"] == profile == machine.profile_choice.name
    assert machine.profile_choice.reason.startswith("the snapshot records no profile; its ")
    # read through the runners, so the checks reuse each record: no command is run twice
    assert all(runner.executed <= 3 for runner in machine.runners.values())


def test_a_replay_takes_the_profile_its_snapshot_recorded(tmp_path):
    for path in BUNDLED:
        machine = replay_machine(load_snapshot(path), {}, 60.0, None, None)
        resolve_profile(machine, "auto")
        recorded = load_snapshot(path).metadata["profile"]
        assert machine.profile["name"] == recorded, path.name
        assert machine.profile_choice.reason == f"the snapshot was recorded under profile {recorded} -> {recorded}"
        assert machine.runners == {}, "a recorded profile is taken as recorded: nothing is read for it"
    site = machine_answering(tmp_path, CURRENT, {})
    site.snapshot.metadata["profile"] = "site"  # a profile of its own: not bundled, so the facts decide
    resolve_profile(site, "auto")
    assert site.profile["name"] == "current" and "records profile 'site', which is not bundled" in site.profile_choice.reason


def test_an_explicit_profile_that_contradicts_is_used_and_warned_about_once(tmp_path):
    replayed = replay_machine(load_snapshot(CURRENT), {}, 60.0, None, None)
    resolve_profile(replayed, "documented")
    assert replayed.profile["name"] == "documented" and replayed.profile_choice.chosen_by == "--cert-profile"
    assert replayed.profile_choice.warning == ("--cert-profile documented contradicts the snapshot, recorded under "
                                               "current: judged under documented as asked")
    agrees = replay_machine(load_snapshot(CURRENT), {}, 60.0, None, None)
    resolve_profile(agrees, "current")
    assert agrees.profile_choice.warning is None
    live_like = machine_answering(tmp_path, DOCUMENTED, {})
    resolve_profile(live_like, "current-desktop")
    assert live_like.profile_choice.warning.startswith("--cert-profile current-desktop contradicts this machine, "
                                                       "which reads as documented (Windows 10 Insider build 20201")
    for name in ("standin", str(tmp_path / "site.toml")):  # not one auto chooses: nothing to contradict
        (tmp_path / "site.toml").write_text('extends = "current"\nname = "site"\n')
        assert explicit(name, choose(MachineFacts("wsl", 20201))).warning is None


def test_a_missing_profile_is_refused_before_anything_is_read(tmp_path):
    machine = machine_answering(tmp_path, CURRENT, {})
    with pytest.raises(ProfileError, match="not found"):
        resolve_profile(machine, str(tmp_path / "missing.toml"))
    assert machine.runners == {}


def test_xdist_workers_take_the_controllers_choice(tmp_path):
    """A worker never decides again: a machine that answered differently the second time is judged the same."""
    decided = choose(MachineFacts("wsl", 20201)).to_json()
    machine = machine_answering(tmp_path, CURRENT, {})
    resolve_profile(machine, "auto", decided)
    assert machine.profile["name"] == "documented" and machine.profile_choice.to_json() == decided
    assert machine.runners == {}


def test_from_snapshot_needs_a_bundled_name():
    for recorded in ("documented", "current", "current-desktop", "standin"):
        assert from_snapshot(recorded, None).name == recorded
    for recorded in (None, "", "site", 7, ["current"], "../current"):
        assert from_snapshot(recorded, None) is None
        assert from_snapshot(recorded, MachineFacts("wsl", 26100)).name == "current"


# ---------------------------------------------------------------- end to end: every bundled snapshot, one run
def test_every_bundled_snapshot_replays_under_its_recorded_profile(tmp_path):
    run = make_runner(tmp_path)(f"--snapshot={SNAPSHOTS}", "--check", "windows.build", "-p", "no:html", "-q")
    documents = [json.loads(p.read_text()) for p in (tmp_path / "reports").glob("*/results.json")]
    assert len(documents) == len(BUNDLED), run.output
    for document in documents:
        recorded = load_snapshot(document["machine"]["snapshot"]).metadata["profile"]
        assert document["machine"]["profile"] == document["profile"]["name"] == recorded
        assert document["profile"]["chosen_by"] == "auto" and document["profile"]["warning"] is None


def test_the_verdict_and_the_report_say_which_profile_and_why(certify):
    run = certify("--snapshot", str(CURRENT), "--cert-profile", "documented")
    lines = run.output.splitlines()
    first = lines[next(i for i, line in enumerate(lines) if "== wslgpu-certify:" in line) + 1]
    assert first == "profile documented: --cert-profile documented, as asked"
    assert sum("contradicts the snapshot, recorded under current" in line for line in lines) == 1
    assert run.results["profile"]["warning"].startswith("--cert-profile documented contradicts")
    assert 'id="profile-warning"' in (run.reports / "latest" / "report.html").read_text()
    again = certify("--snapshot", str(CURRENT))
    assert "profile current: the snapshot was recorded under profile current -> current" in again.output
    assert "contradicts" not in again.output and again.results["verdict"] == "CERTIFIED", again.output
    assert again.results["profile"] == {"name": "current", "reason": "the snapshot was recorded under profile current "
                                        "-> current", "chosen_by": "auto", "warning": None}
    page = (again.reports / "latest" / "report.html").read_text()
    assert 'id="profile-why">why this profile: the snapshot was recorded under profile current' in page
    assert "profile <b>current</b>" in page


# ---------------------------------------------------------------- diagnose: the same rule on what the paste shows
DESKTOP_INFO = json.loads(DESKTOP.read_text())["hosts"]["wsl"][DOCKER_INFO]["stdout"]
CE_INFO = json.loads(CURRENT.read_text())["hosts"]["wsl"][DOCKER_INFO]["stdout"]
PASTES = [
    ("C:\\> ver\n" + ver(20201), "documented", "Windows 10 Insider build 20201"),
    ("C:\\> ver\n" + ver(20231), "documented", "Windows 10 Insider build 20231"),
    ("C:\\> ver\n" + ver(22631), "current", "Windows 11 build 22631: newer than the guide's 20201"),
    ("$ cat /proc/version\n" + proc_version("4.19.128-microsoft-standard"), "documented", "kernel 4.19.128"),
    ("$ cat /proc/version\n" + proc_version("5.15.167.4-microsoft-standard-WSL2"), "current", "kernel 5.15.167.4"),
    ("PS> wsl --version\nWSL version: 2.3.26.0\nKernel version: 5.15.167.4-1\nWSLg version: 1.0.65\n"
     "MSRDC version: 1.2.5620\nDirect3D version: 1.611.1-81528511\nDXCore version: 10.0.26100.1-240331-1435.ge-release\n"
     "Windows version: 10.0.26100.2454\n", "current", "Windows 11 build 26100"),
    ("$ docker info\n" + DESKTOP_INFO, "current-desktop", "Operating System Docker Desktop"),
    ("C:\\> ver\n" + ver(26100) + "$ docker info\n" + DESKTOP_INFO, "current-desktop", "Windows 11 build 26100"),
    ("$ docker info\n" + CE_INFO, "current", "Windows build and kernel not read"),
    ("hello there\n", "current", "Windows build and kernel not read"),
]


@pytest.mark.parametrize("paste, profile, words", PASTES)
def test_diagnose_chooses_by_what_the_paste_shows(paste, profile, words, capsys, monkeypatch, tmp_path):
    result = diagnose(paste)
    assert (result.profile, result.choice.name) == (profile, profile) and words in result.choice.reason
    file = tmp_path / "paste.txt"
    file.write_text(paste)
    diagnose_main([str(file)])
    out = capsys.readouterr().out.splitlines()
    assert out[1] == f"profile {profile}: {result.choice.reason}"
    diagnose_main([str(file), "--json"])
    assert json.loads(capsys.readouterr().out)["profile_choice"]["name"] == profile


def test_diagnose_warns_in_one_line_when_asked_against_the_paste(capsys, tmp_path):
    file = tmp_path / "paste.txt"
    file.write_text("C:\\> ver\n" + ver(26100))
    assert diagnose_main([str(file), "--cert-profile", "documented"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].endswith("profile documented")
    assert [line for line in out if "contradicts" in line] == [out[1]]
    assert out[1].startswith("profile documented: --cert-profile documented contradicts this machine, which reads as "
                             "current (Windows 11 build 26100")
    diagnose_main([str(file), "--cert-profile", "current"])
    assert "contradicts" not in capsys.readouterr().out


@pytest.mark.parametrize("hostile", ["5.15.1-" + "A" * 5000, "4.19.128\x1b]0;owned\x07-microsoft", "6.6<script>x</script>",
                                     "Docker Desktop\r\nCERTIFIED", "Docker Desktop" + " x" * 3000])
def test_a_fact_quoted_in_the_reason_is_bounded_and_one_line(hostile):
    for facts in (MachineFacts("wsl", None, hostile), MachineFacts("wsl", 26100, None, hostile),
                  MachineFacts("linux", None, hostile)):
        reason = choose(facts).reason
        assert len(reason) < 400 and "\n" not in reason and "\r" not in reason
    recorded = from_snapshot(hostile, MachineFacts("wsl", 26100)).reason
    assert len(recorded) < 500 and "\n" not in recorded
