"""Every check has a fix for every profile it applies under, and no fix names another profile's recipe.

Walks the check catalog (checks/*.toml, each variant) and the known-causes catalog x the bundled profiles
(and native Linux, --env=linux): each fix is chosen the way a run chooses it (catalog.remediation_for,
known_causes.fix_for) and must name nothing the machine does not have. WHAT_IT_LACKS is that small table,
with its sources; the negative cases feed a recipe of another profile through the same rule.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from wslgpu_certify.catalog import load_checks, remediation_for
from wslgpu_certify.findings import Remediation
from wslgpu_certify.signatures.known_causes import remediation_of
from wslgpu_certify.profile import fix_lineage, load_profile, not_applicable_under, profile_setting
from wslgpu_certify.signatures import load_catalog

REPO = Path(__file__).resolve().parents[2]
REGISTRY = load_checks(REPO / "checks")
SIGNATURES = load_catalog()

_INSTALLS = r"\binstall\b[^|;&]*"
# What each machine does NOT have: a step naming one of these cannot be done there.
WHAT_IT_LACKS = {
    # the guide (shared/reference/setup-guide.md): build 20201 (no systemd in WSL before Store WSL 0.67.6),
    # toolkit 1.3 (nvidia-ctk came with 1.12/1.14)
    "documented": {
        "systemctl": r"\bsystemctl\b", "journalctl": r"\bjournalctl\b", "nvidia-ctk": r"\bnvidia-ctk\b",
        "systemd in /etc/wsl.conf (words too)": r"systemd\s*=\s*true|\benabl\w* systemd|turn systemd on",
    },
    # NVIDIA's current install guide (docs.nvidia.com/datacenter/cloud-native/container-toolkit/latest/
    # install-guide.html, "With apt"): a keyring file and nvidia-container-toolkit.list; apt-key is gone from
    # Ubuntu 22.04+, nvidia-docker2 and its repositories are retired
    "current": {
        "apt-key": r"\bapt-key\b", "nvidia-docker2 (install)": _INSTALLS + r"\bnvidia-docker2\b",
        "nvidia-docker.list": r"tee\s+\S*nvidia-docker\.list", "the nvidia-docker repository": r"nvidia\.github\.io/nvidia-docker/",
        "libnvidia-container-experimental.list": r"tee\s+\S*libnvidia-container-experimental\.list",
    },
    # Docker Desktop (docs.docker.com/desktop/features/gpu/): the engine and its NVIDIA runtime live in Docker's
    # docker-desktop distro; nothing in this distro starts a dockerd or installs a toolkit
    "current-desktop": {
        "dockerd in the distro": r"\bsudo dockerd\b|\bservice docker (?:re)?start\b|\bsystemctl (?:re)?start docker\b",
        "a toolkit in the distro": r"\bnvidia-ctk\b|" + _INSTALLS + r"\bnvidia-container-toolkit\b",
        "the distro's daemon.json": r"/etc/docker/daemon\.json",
    },
    # native Linux: no Windows side
    "linux": {"wsl.exe": r"\bwsl(?:\.exe)?\s+-", "a Windows program": r"\b\w+\.exe\b|ms-windows-store:|ms-settings:",
              "WSL's driver directory": r"/usr/lib/wsl\b"},
}
WINDOWS_SHELLS = ("cmd", "powershell")
WSL_WITHOUT_SYSTEMD = {"systemctl", "journalctl", "systemd in /etc/wsl.conf (words too)"}  # build 20201's WSL only
MACHINES = [("documented", "wsl"), ("current", "wsl"), ("current-desktop", "wsl"),
            ("documented", "linux"), ("current", "linux")]


def _lacks(profile: dict, env: str) -> dict:
    names = [*profile["lineage"][:1], *(["current"] if profile["name"] == "current-desktop" else [])]
    table = {k: v for name in names for k, v in WHAT_IT_LACKS.get(name, {}).items()
             if not (env == "linux" and k in WSL_WITHOUT_SYSTEMD)}  # a native Linux host boots systemd
    return {**table, **(WHAT_IT_LACKS["linux"] if env == "linux" else {})}


def what_is_wrong(rem: Remediation, profile: dict, env: str) -> list[str]:
    """The steps that name something this machine does not have, or a shell it has not."""
    wrong = []
    for step in rem.steps:
        if env == "linux" and step.shell in WINDOWS_SHELLS:
            wrong.append(f"a {step.shell} step on native Linux: {step.text}")
        # a command names what it uses; words may say what is missing ("toolkit 1.3 has no nvidia-ctk")
        wrong += [f"names {what} ({step.text})" for what, pattern in _lacks(profile, env).items()
                  if (step.is_command or what.endswith("(words too)")) and re.search(pattern, step.text)]
    return wrong


def _check_cases():
    for name, env in MACHINES:
        profile = load_profile(name)
        for spec in sorted(REGISTRY.values(), key=lambda s: s.id):
            if (env == "linux" and spec.wsl_only) or (spec.envs and env not in spec.envs) or not_applicable_under(profile, spec.applies_when):
                continue
            for variant in ["", *sorted(spec.variants)]:
                yield pytest.param(spec, variant, profile, env, id=f"{name}-{env}-{spec.id}-{variant or 'base'}")


# Directories every Debian/Ubuntu has (base-files, apt, the keyring packages); a step writing elsewhere makes its own.
BASE_DIRS = {"/etc", "~", "/etc/apt/sources.list.d", "/usr/share/keyrings", "/dev"}
_WRITES_TO = re.compile(r"(?:\btee(?:\s+-a)?|\s-o|>>?)\s+([~/][^\s'\"|;&)]*)")
_KEYRING = re.compile(r"\bapt-key add\b|\bgpg --dearmor\b")
_LIST = re.compile(r"sources\.list\.d/\S+\.list")


def what_does_not_stand_alone(rem: Remediation) -> list[str]:
    """A step writing a file in a directory nothing made; a repository list before its key, or shown first alone."""
    wrong = []
    for step in (s for s in rem.steps if s.shell == "bash"):  # a Dockerfile's RUN writes in its image (R's /etc/R)
        for path in _WRITES_TO.findall(step.text):
            folder = path.rsplit("/", 1)[0] or "/"
            if folder not in BASE_DIRS and not re.search(r"mkdir -p [^;&|]*" + re.escape(folder) + r"(?:\s|$)", step.text):
                wrong.append(f"writes {path} but makes no {folder}: {step.text}")
    commands = [s for s in rem.steps if s.is_command]
    keys = [i for i, s in enumerate(commands) if _KEYRING.search(s.text)]
    lists = [i for i, s in enumerate(commands) if _LIST.search(s.text) and "rm -f" not in s.text]
    if lists and keys and min(lists) < min(keys):
        wrong.append("a repository list comes before its key")
    if keys and rem.key_step is not None and _LIST.search(rem.key_step.text) and "rm -f" not in rem.key_step.text:
        wrong.append(f"the step shown alone is a list without its key: {rem.key_step.text}")
    return wrong


@pytest.mark.parametrize("spec, variant, profile, env", list(_check_cases()))
def test_a_check_fix_fits_the_machine(spec, variant, profile, env):
    rem = remediation_for(spec, variant, fix_lineage(profile, env))
    assert rem.steps, f"{spec.id} [{variant}] has no fix under {profile['name']} ({env})"
    wrong = what_is_wrong(rem, profile, env) + what_does_not_stand_alone(rem)
    assert not wrong, "; ".join(wrong)


def _signature_cases():
    for name, env in MACHINES:
        profile = load_profile(name)
        engine = profile_setting(profile, "docker.engine")
        for sig in SIGNATURES:
            if sig.engine and sig.engine != engine:
                continue
            if env == "linux" and (sig.layer == "windows" or sig.wsl_only):  # known_causes() skips them there
                continue
            yield pytest.param(sig, profile, env, id=f"{name}-{env}-{sig.id}")


@pytest.mark.parametrize("sig, profile, env", list(_signature_cases()))
def test_a_known_cause_fix_fits_the_machine(sig, profile, env):
    rem = remediation_of(sig, sig.cause, fix_lineage(profile, env))
    assert rem.steps
    wrong = what_is_wrong(rem, profile, env) + what_does_not_stand_alone(rem)
    assert not wrong, "; ".join(wrong)


# ---- the rule fails on another profile's recipe (several of each)

_2020 = ["curl -s -L https://nvidia.github.io/nvidia-docker/gpgkey | sudo apt-key add -",
         "curl -s -L https://nvidia.github.io/nvidia-docker/ubuntu20.04/nvidia-docker.list | sudo tee /etc/apt/sources.list.d/nvidia-docker.list",
         "sudo apt update && sudo apt install -y nvidia-docker2 nvidia-container-toolkit"]
_TODAY = ["sudo nvidia-ctk runtime configure --runtime=docker", "sudo systemctl restart docker",
          "printf '[boot]\\nsystemd=true\\n' | sudo tee -a /etc/wsl.conf", "sudo journalctl -u docker -n 50"]
_DISTRO_ENGINE = ["sudo dockerd > /dev/null 2>&1 &", "sudo service docker restart",
                  "sudo apt-get install -y nvidia-container-toolkit", "sudo tee /etc/docker/daemon.json"]
_WINDOWS = ["wsl.exe --shutdown", "wsl --set-version Ubuntu 2", "nvidia-smi.exe -dm 0", "ls -l /usr/lib/wsl/lib"]


@pytest.mark.parametrize("name, env, steps", [("current", "wsl", _2020), ("documented", "wsl", _TODAY),
                                              ("current-desktop", "wsl", _DISTRO_ENGINE + _2020),
                                              ("current", "linux", _WINDOWS)])
def test_another_machines_recipe_is_caught(name, env, steps):
    from wslgpu_certify.findings import FixStep
    profile = load_profile(name)
    for text in steps:
        assert what_is_wrong(Remediation("why", (FixStep(text, "bash"),)), profile, env), text


@pytest.mark.parametrize("name, env, steps", [("documented", "wsl", _2020), ("current", "wsl", _TODAY),
                                              ("documented", "wsl", _WINDOWS)])
def test_the_machines_own_recipe_passes(name, env, steps):
    from wslgpu_certify.findings import FixStep
    profile = load_profile(name)
    for text in steps:
        assert what_is_wrong(Remediation("why", (FixStep(text, "bash"),)), profile, env) == [], text


def _steps(*texts: str, key: int = 0) -> Remediation:
    from wslgpu_certify.findings import FixStep
    return Remediation("why", tuple(FixStep(t, "bash", key=i == key) for i, t in enumerate(texts)))


def test_a_step_that_does_not_stand_alone_is_caught():
    key = "curl -s -L https://x/gpgkey | sudo apt-key add -"
    listed = "curl -s -L https://x/a.list | sudo tee /etc/apt/sources.list.d/a.list"
    for rem in [_steps("echo /usr/lib/wsl/lib | sudo tee /etc/ld.so.conf.d/ld.wsl.conf"),
                _steps("echo /usr/lib/wsl/lib2 | sudo tee -a /usr/lib/wsl/lib2/x.conf"),
                _steps("printf '{}' > ~/.config/app/conf.json"),
                _steps(listed, key), _steps(key, listed, key=1)]:
        assert what_does_not_stand_alone(rem), rem
    for rem in [_steps("sudo mkdir -p /etc/ld.so.conf.d && echo /usr/lib/wsl/lib | sudo tee /etc/ld.so.conf.d/ld.wsl.conf"),
                _steps(key, listed), _steps("printf '[boot]\\nsystemd=true\\n' | sudo tee -a /etc/wsl.conf"),
                _steps("sudo rm -f /etc/apt/sources.list.d/a.list", key)]:
        assert what_does_not_stand_alone(rem) == [], rem


def test_a_wsl_failure_is_no_known_cause_on_native_linux_and_linux_gets_its_own_fix():
    from wslgpu_certify.signatures.known_causes import known_causes

    wsl1 = [("wsl.exe -l -v", "  NAME      STATE           VERSION\n* Ubuntu    Running         1\n", 0)]
    mismatch = [("nvidia-smi", "Failed to initialize NVML: Driver/library version mismatch\n", 18)]
    on_wsl = fix_lineage(load_profile("current"), "wsl")
    on_linux = fix_lineage(load_profile("current"), "linux")
    assert [c.id for c in known_causes(wsl1, advisory=False, lineage=on_wsl)] == ["wsl.list-shows-version-1"]
    assert "wsl.list-shows-version-1" not in [c.id for c in known_causes(wsl1, advisory=False, lineage=on_linux)]
    wsl_fix = known_causes(mismatch, advisory=False, lineage=on_wsl)[0].remediation
    linux_fix = known_causes(mismatch, advisory=False, lineage=on_linux)[0].remediation
    assert "wsl --shutdown" in wsl_fix.commands and "sudo reboot" == linux_fix.summary
    assert what_is_wrong(wsl_fix, load_profile("current"), "linux") and not what_is_wrong(linux_fix, load_profile("current"), "linux")


@pytest.mark.parametrize("name", ["documented", "current", "current-desktop"])
def test_diagnose_prescribes_only_the_profiles_recipe(name):
    """Every bundled snapshot's outputs, pasted as a ticket would hold them (`$ command` then its output), under each
    profile: no fix diagnose gives (checks, known causes, family decoders) names what that machine lacks."""
    import json

    from wslgpu_certify.diagnose.diagnosis import diagnose
    from wslgpu_certify.findings import FixStep

    profile, seen, wrong = load_profile(name), 0, []
    for snapshot in sorted((REPO / "fixtures" / "snapshots").glob("*.json")):
        for role, commands in json.loads(snapshot.read_text()).get("hosts", {}).items():
            paste = "".join(f"$ {command}\n{record.get('stdout') or ''}{record.get('stderr') or ''}\n"
                            for command, record in commands.items() if isinstance(record, dict))
            for finding in diagnose(paste, profile).findings if paste.strip() else []:
                seen += 1
                rem = Remediation(finding.why, tuple(FixStep(s.text, s.shell) for s in finding.fix))
                wrong += [f"{snapshot.name} {role} {finding.id}: {w}" for w in what_is_wrong(rem, profile, "wsl")]
    assert seen >= 40 and wrong == []


def test_every_profile_a_fix_names_exists():
    """A typo (`profiles.curent`, `under = ["wls"]`) would never apply: every name is a bundled profile, linux or wsl."""
    from wslgpu_certify.profile import bundled_profiles

    names = set(bundled_profiles()) | {"linux", "wsl"}
    used = {name for spec in REGISTRY.values() for _, name in spec.by_profile}
    used |= {name for spec in REGISTRY.values() for under in spec.variant_under.values() for name in under}
    used |= {name for sig in SIGNATURES for name, _ in sig.profiles}
    assert used and used <= names, used - names
    assert {"documented", "current", "current-desktop", "linux"} <= used
