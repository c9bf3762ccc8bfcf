"""The `current` profile held by a healthy machine of today (fixtures/snapshots/current-healthy.json).

The snapshot is written by hand from real output formats (issue #11; sources beside each
parser and in docs/modern-formats.md). Under `current` it must certify; what does not apply
there must say why (systemd starts dockerd, nvidia-docker2 is optional).
"""

import json
from pathlib import Path

import pytest

from catalog_facts import never_applicable
from suite_run import SNAPSHOTS, mutated, replay_rows

# One worker replays this module's batch (tests/pytest.ini: --dist loadgroup), not each worker the whole batch.
pytestmark = pytest.mark.xdist_group("current-profile")

CURRENT = SNAPSHOTS / "current-healthy.json"
# Not applicable on every machine under `current` (not configured, opt-in): from the catalog.
NOT_CONFIGURED = never_applicable("current")
# Not applicable on this machine, and why (a phrase of the reason).
NOT_APPLICABLE_HERE = {
    "wsl.sudoers.dockerd": "systemd starts dockerd",
    "docker.package.nvidia-docker2": "does not require it",
    "docker.toolkit.cdi": "uses CDI",
}


# Every test's machine: name -> (current-healthy.json's answers replaced, the text of a site profile or None for
# `current`). All are replayed in one run of the product per profile (suite_run.replay_rows), the whole catalog
# each: a test reads its own machine's checks.
ROWS: dict[str, tuple[dict, str | None]] = {}


def row(name: str, hosts: dict, profile_text: str | None = None) -> str:
    ROWS[name] = (hosts, profile_text)
    return name


@pytest.fixture(scope="module")
def replays(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("current-profile")
    rows, profiles = {}, {}
    for name, (hosts, profile_text) in ROWS.items():
        profile = "current"
        if profile_text is not None:
            profile = profiles.setdefault(profile_text, str(tmp / f"site-{len(profiles)}.toml"))
            Path(profile).write_text(profile_text)
        rows[name] = (mutated(CURRENT, hosts), ("--cert-profile", profile))
    return replay_rows(tmp, rows)


def _variant(role: str, command: str, **record) -> dict:
    """current-healthy.json's hosts with one command's answer replaced."""
    base = json.loads(CURRENT.read_text())["hosts"][role][command]
    return {role: {command: {**base, **record}}}


HEALTHY_ROW = row("healthy", {})


def test_current_healthy_certifies_under_current(replays):
    assert json.loads(CURRENT.read_text())["metadata"]["profile"] == "current"
    run = replays[HEALTHY_ROW]
    assert run.results["verdict"] == "CERTIFIED", run.output[-3000:]
    assert f"\n{run.results['run']['machine_id']}: CERTIFIED (" in run.output  # the run's line for this machine
    outcomes = run.outcomes()
    # The one advisory warning: the stock driver maps libcuda.so as a copy, unknown to the loader cache
    # (microsoft/WSL#8587), shown with its fix; it never fails the certification.
    assert {i: o for i, o in outcomes.items() if o not in ("passed", "not_applicable")} == \
        {"wsl.driver.libcuda_unversioned": "warning"}
    assert "ld.wsl-links.conf" in " ".join(run.check("wsl.driver.libcuda_unversioned")["remediation"]["commands"])
    for check_id, phrase in NOT_APPLICABLE_HERE.items():
        assert outcomes[check_id] == "not_applicable", run.check(check_id)
        assert phrase in run.check(check_id)["message"], run.check(check_id)["message"]
    # Anything else not applicable is the unconfigured set, or nbody without a baseline for this GPU
    # (a figure, not a failure).
    assert {i for i, o in outcomes.items() if o == "not_applicable"} - set(NOT_APPLICABLE_HERE) - NOT_CONFIGURED \
        <= {"gpu.nbody.performance"}


def test_the_nopasswd_rule_is_still_required_on_the_bashrc_route(replays):
    """The exemption is systemd's: docker.service not enabled and the guide's block present need the rule again."""
    run = replays["nopasswd-bashrc"]
    assert run.outcomes()["wsl.sudoers.dockerd"] == "failed"
    assert any("NOPASSWD" in c for c in run.check("wsl.sudoers.dockerd")["remediation"]["commands"])


NVIDIA_SMI = "/usr/lib/wsl/lib/nvidia-smi"
SMI_STDOUT = json.loads(CURRENT.read_text())["hosts"]["wsl"][NVIDIA_SMI]["stdout"]
SMI_ROW = "NVIDIA GeForce RTX 3070        On  |"
SMI_NAMES = [
    ("NVIDIA GeForce RTX 3070", "passed"),
    ("NVIDIA GeForce RTX ...", "passed"),  # nvidia-smi cuts a name longer than its column
    ("NVIDIA GeForce RTX 4090", "failed"),
    ("NVIDIA GeForce GTX ...", "failed"),
]
for _name, _ in SMI_NAMES:
    row(f"smi-{_name}", _variant("wsl", NVIDIA_SMI, stdout=SMI_STDOUT.replace(SMI_ROW, f"{_name:<29} On  |")))


@pytest.mark.parametrize("smi_name, outcome", SMI_NAMES)
def test_nvidia_smi_gpu_is_compared_with_the_cuda_device_name(replays, smi_name, outcome):
    """nbody prints "Ampere" as the device and the name in `CUDA device: [...]`; the check uses the name."""
    assert SMI_ROW in SMI_STDOUT
    run = replays[f"smi-{smi_name}"]
    assert run.outcomes()["gpu.nvidia_smi.gpu"] == outcome, run.check("gpu.nvidia_smi.gpu")
    if outcome == "failed":
        assert "nbody ran on NVIDIA GeForce RTX 3070" in run.check("gpu.nvidia_smi.gpu")["message"]


# ---- each new check failing with its fix, on current-healthy.json with one or two answers changed ----------

def _r(stdout="", stderr="", exit_status=0):
    return {"exit_status": exit_status, "stdout": stdout, "stderr": stderr, "duration": 0.05}


_HEALTHY = json.loads(CURRENT.read_text())["hosts"]["wsl"]
_CLI = "nvidia-container-cli -k -d /dev/stdout info"
_JOURNAL = "sudo -n journalctl -u docker -n 50 --no-pager"
_DOCKERD_DEAD = {"systemctl is-active docker": _r("failed\n", exit_status=3)}
_JOURNAL_LINE = "Dec 10 09:29:58 gpu-workstation dockerd[412]: "
# Wordings: moby/moby#39712 (pid file), rnanosaur/nanosaur#47 (daemon.json), docker/for-linux#1437 (legacy nat).
# The guide's block (setup-guide §3.5)
_BASHRC_BLOCK = ("\n# Start Docker daemon automatically when logging in if not running.\nRUNNING=`ps aux | grep dockerd | grep -v grep`\n"
                 "if [ -z \"$RUNNING\" ]; then\n    sudo dockerd > /dev/null 2>&1 &\n    disown\nfi\n")
# libnvidia-container's log when dxcore fails (NVIDIA/nvidia-docker#1542, #1400), around this machine's 1.17.3 header
_DXCORE_FAILED = "\n".join(_HEALTHY[_CLI]["stdout"].splitlines()[:8]) + """
I1210 09:30:11.204490 1873 nvc.c:415] dxcore initialization failed, continuing assuming a non-WSL environment
W1210 09:30:11.204510 1873 nvc.c:258] failed to detect NVIDIA devices
I1210 09:30:11.204880 1874 rpc.c:71] starting driver rpc service
E1210 09:30:11.205011 1874 rpc.c:168] could not start driver service: load library failed: libnvidia-ml.so.1: cannot open shared object file: no such file or directory
I1210 09:30:11.205150 1873 rpc.c:135] driver rpc service terminated successfully
"""
_CDI_PROFILE = 'extends = "current"\n[toolkit]\ncdi = true\n'

# check id -> (answers, a phrase of the message, a phrase of the fix, profile text or None)
MUTATIONS = {
    "docker.toolkit.ctk": ({"nvidia-ctk --version": _r("NVIDIA Container Toolkit CLI version 1.13.5\ncommit: 6b8589d\n")},
                           "1.13.5 does not satisfy >=1.14", "apt-get install -y nvidia-container-toolkit", None),
    "docker.toolkit.sees_gpu": ({_CLI: _r(_DXCORE_FAILED, "nvidia-container-cli: initialization error: driver error: "
                                                          "failed to process request\n", 1)},
                                "dxcore initialization failed", "wsl.exe --update", None),
    "docker.toolkit.mode": ({"cat /etc/nvidia-container-runtime/config.toml": _r(
        _HEALTHY["cat /etc/nvidia-container-runtime/config.toml"]["stdout"].replace('mode = "auto"', 'mode = "csv"'))},
        'mode = "csv"', "nvidia-container-runtime.mode=auto", None),
    "docker.toolkit.cdi": ({"nvidia-ctk cdi list": _r("", 'time="2024-12-10T09:30:00Z" level=info msg="Found 0 CDI devices"\n')},
                           "finds no CDI device", "nvidia-ctk cdi generate", _CDI_PROFILE),
    "wsl.systemd.boot": ({"cat /etc/wsl.conf": _r("", "cat: /etc/wsl.conf: No such file or directory\n", 1)},
                         "there is no /etc/wsl.conf", "systemd=true", None),
    "wsl.systemd.docker": ({**_DOCKERD_DEAD, _JOURNAL: _r(_JOURNAL_LINE + "failed to start daemon: pid file found, "
                                                         "ensure docker is not running or delete /var/run/docker.pid\n")},
                           "pid file found", "sudo rm -f /var/run/docker.pid", None),
}
# more ways wsl.systemd.docker and docker.toolkit.sees_gpu fail, each with its own fix
VARIANTS = [
    ("wsl.systemd.docker", {**_DOCKERD_DEAD, _JOURNAL: _r(_JOURNAL_LINE + "unable to configure the Docker daemon with file "
                                                          "/etc/docker/daemon.json: invalid character '}' looking for beginning of object key string\n")},
     "unable to configure the Docker daemon", "dockerd --validate"),
    ("wsl.systemd.docker", {**_DOCKERD_DEAD, _JOURNAL: _r("", "sudo: a password is required\n", 1)},
     "its journal needs sudo", "sudo journalctl -u docker"),
    ("wsl.systemd.docker", {**_DOCKERD_DEAD, "update-alternatives --query iptables": _r(
        "Name: iptables\nLink: /usr/sbin/iptables\nStatus: manual\nBest: /usr/sbin/iptables-nft\nValue: /usr/sbin/iptables-legacy\n\n"
        "Alternative: /usr/sbin/iptables-legacy\nPriority: 10\n\nAlternative: /usr/sbin/iptables-nft\nPriority: 20\n"),
        _JOURNAL: _r(_JOURNAL_LINE + "failed to start daemon: Error initializing network controller: error obtaining "
                     "controller instance: failed to create NAT chain DOCKER: iptables failed: iptables -t nat -N DOCKER: "
                     "iptables v1.8.7 (legacy): can't initialize iptables table `nat': Table does not exist\n")},
     "iptables backend: legacy", "update-alternatives --set iptables /usr/sbin/iptables-nft"),
    ("wsl.systemd.docker", {"systemctl is-active docker": _r("", "System has not been booted with systemd as init system "
                                                                 "(PID 1). Can't operate.\nFailed to connect to bus: Host is down\n", 1)},
     "systemd is not running", "wsl.exe --shutdown"),
    ("docker.toolkit.sees_gpu", {_CLI: _r(_HEALTHY[_CLI]["stdout"].split("NVRM version")[0],
                                          "nvidia-container-cli: initialization error: load library failed: libnvidia-ml.so.1: "
                                          "cannot open shared object file: no such file or directory\n", 1)},
     "libnvidia-ml.so.1", "/etc/ld.so.conf.d/ld.wsl.conf"),
]


row("nopasswd-bashrc", {"wsl": {"systemctl is-enabled docker": _r("disabled\n", exit_status=1),
                                 "cat ~/.bashrc": _r(_HEALTHY["cat ~/.bashrc"]["stdout"] + _BASHRC_BLOCK)}})
FAIL_CASES = [*[(check_id, answers, said, fix) for check_id, (answers, said, fix, _) in MUTATIONS.items()], *VARIANTS]
SHOWN_FAILING = {check_id for check_id, *_ in FAIL_CASES}  # test_diagnosis_matrix.py: every check fails somewhere
for _i, (_check_id, _answers, *_) in enumerate(FAIL_CASES):
    row(f"fails-{_i}", {"wsl": _answers}, MUTATIONS[_check_id][3] if _i < len(MUTATIONS) else None)


@pytest.mark.parametrize("i", range(len(FAIL_CASES)),
                         ids=[c if i < len(MUTATIONS) else f"{c}-variant-{i - len(MUTATIONS)}"
                              for i, (c, *_) in enumerate(FAIL_CASES)])
def test_each_new_check_fails_with_its_fix(replays, i):
    check_id, _, said, fix = FAIL_CASES[i]
    finding = replays[f"fails-{i}"].check(check_id)
    assert finding["outcome"] == "failed", finding
    assert said in finding["message"], finding["message"]
    assert any(fix in command for command in finding["remediation"]["commands"]), finding["remediation"]["commands"]


CDI_ROW = row("cdi-passes", {"wsl": {"nvidia-ctk cdi list": _r(
    "nvidia.com/gpu=all\n", 'time="2024-12-10T09:30:00Z" level=info msg="Found 1 CDI device"\n')}}, _CDI_PROFILE)


def test_cdi_passes_where_the_profile_uses_it_and_a_spec_names_the_gpu(replays):
    run = replays[CDI_ROW]
    assert run.outcomes()["docker.toolkit.cdi"] == "passed", run.check("docker.toolkit.cdi")


_OFF = "System has not been booted with systemd as init system (PID 1). Can't operate.\n"
BASHRC_ROW = row("bashrc-route", {"wsl": {
    "cat ~/.bashrc": _r(_HEALTHY["cat ~/.bashrc"]["stdout"] + _BASHRC_BLOCK),
    "systemctl is-enabled docker": _r("", _OFF, 1), "systemctl is-active docker": _r("", _OFF, 1),
    "sudo -n -l /usr/bin/dockerd": _r("/usr/bin/dockerd\n"), "cat /etc/wsl.conf": _r("[automount]\nenabled=true\n")}})


def test_the_bashrc_route_makes_the_systemd_checks_not_applicable(replays):
    """The guide's block, systemd off: wsl.systemd.* do not apply (and never fail), the NOPASSWD rule does."""
    run = replays[BASHRC_ROW]
    outcomes = run.outcomes()
    for check_id in ("wsl.systemd.boot", "wsl.systemd.docker"):
        assert outcomes[check_id] == "not_applicable", run.check(check_id)
        assert "~/.bashrc block" in run.check(check_id)["message"]
    assert outcomes["wsl.autostart"] == "passed" and outcomes["wsl.sudoers.dockerd"] == "passed"
