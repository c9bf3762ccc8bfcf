"""judges/: each check's comparison, shown failing and passing on several records per family (here the version
rule, Windows and the distro; tests/judges/test_judges_gpu_docker.py: GPU, Docker, and diagnose calling the same judges).

A judge is pure (record + profile -> Verdict), so these run in-process on parsed records; the check
(checks/test_<layer>.py) and diagnose (diagnose/decide*.py) only call it. tests/judges/test_judges_agree.py holds
that the two then agree on real transcripts.
"""

from __future__ import annotations

import pytest

from wslgpu_certify.judges import FAILED, NOT_APPLICABLE, PASSED, Verdict, satisfies
from wslgpu_certify.judges import windows, wsl
from wslgpu_certify.parsers.distro import parse_kernel
from wslgpu_certify.parsers.dpkg import DpkgPackage
from wslgpu_certify.parsers.gpu import NvidiaSmi
from wslgpu_certify.parsers.systemd import DockerJournal, JournalFinding, UnitState
from wslgpu_certify.parsers.windows import WindowsBuild, WslDistro, WslStatus
from wslgpu_certify.parsers.windows_gpu import WindowsGpu
from wslgpu_certify.profile import load_profile

DOCUMENTED, CURRENT, DESKTOP = (load_profile(n) for n in ("documented", "current", "current-desktop"))


def outcome(verdict: Verdict) -> str:
    assert isinstance(verdict, Verdict) and verdict.outcome in (PASSED, FAILED, NOT_APPLICABLE)
    assert verdict.failed == (verdict.outcome == FAILED) and (verdict.outcome == PASSED or verdict.message)
    return verdict.outcome


# ---- the version rule -------------------------------------------------------------------------------------

@pytest.mark.parametrize("actual, wanted, expected", [
    ("4.19.128-microsoft-standard", ">=4.19.128", True), ("4.19.121-microsoft-standard", ">=4.19.128", False),
    ("2.5.0-1", ">=2.5.0", True), ("1.3.0~rc.1-1", ">=1.14", False), ("N/A", ">=525.60", None),
    ("<none>", ">=1.14", None), ("", ">=1", None), (None, ">=1", None)])
def test_a_version_is_held_to_a_specifier_or_said_unreadable(actual, wanted, expected):
    assert satisfies(actual, wanted) is expected


def test_a_verdict_reads_as_one_sentence_without_renaming_a_command():
    said = {m: Verdict("x", FAILED, m).sentence for m in (
        "kernel 4.4.0 is WSL 1, not WSL 2", "nvidia-smi in WSL sees no GPU: x", "libnvidia-container1 1.3 does not "
        "satisfy >=1.14", "`docker info` lists runtimes runc,\n without nvidia", "NVIDIA driver 517 ok.")}
    assert list(said.values()) == ["Kernel 4.4.0 is WSL 1, not WSL 2.", "nvidia-smi in WSL sees no GPU: x.",
                                   "libnvidia-container1 1.3 does not satisfy >=1.14.",
                                   "`docker info` lists runtimes runc, without nvidia.", "NVIDIA driver 517 ok."]


# ---- Windows ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("build, profile, expected, variant", [
    (20201, DOCUMENTED, PASSED, None), (20211, DOCUMENTED, FAILED, None), (19041, DOCUMENTED, FAILED, None),
    (26100, CURRENT, PASSED, None), (19045, CURRENT, PASSED, None), (18362, CURRENT, FAILED, None)])
def test_windows_build(build, profile, expected, variant):
    verdict = windows.build(WindowsBuild(10, 0, build, 1000), profile)
    assert outcome(verdict) == expected and verdict.variant == variant
    assert verdict.note == (expected == FAILED)  # only older: a note for diagnose


def test_a_known_bad_build_fails_with_its_variant_and_is_no_note():
    bad = DOCUMENTED["windows"]["known_bad_builds"]
    assert bad
    for build in bad:
        verdict = windows.build(WindowsBuild(10, 0, build, None), DOCUMENTED)
        assert verdict.failed and verdict.variant == "known_bad" and not verdict.note and "known to break" in verdict.message


@pytest.mark.parametrize("version, expected", [(2, PASSED), (1, FAILED), (None, FAILED)])
def test_default_wsl_version(version, expected):
    assert outcome(windows.default_version(WslStatus("Ubuntu", version, None), CURRENT)) == expected


@pytest.mark.parametrize("name, expected", [("Ubuntu", PASSED), ("Ubuntu-22.04", PASSED), ("docker-desktop", FAILED),
                                            ("docker-desktop-data", FAILED), ("Docker-Desktop", FAILED)])
def test_default_distro_is_not_dockers(name, expected):
    assert outcome(windows.default_distro(name, "Ubuntu")) == expected


@pytest.mark.parametrize("version, expected", [(2, PASSED), (1, FAILED)])
@pytest.mark.parametrize("name", ["Ubuntu", "Debian", "kali-linux"])
def test_a_distro_runs_as_wsl2(name, version, expected):
    verdict = windows.distro_version(WslDistro(name, "Running", version, True))
    assert outcome(verdict) == expected and verdict.distro == name


@pytest.mark.parametrize("rows, expected, variant", [
    ([("Ubuntu", "Running"), ("docker-desktop", "Running")], PASSED, None),
    ([("docker-desktop", "Running"), ("docker-desktop-data", "Stopped")], PASSED, None),
    ([("Ubuntu", "Running"), ("docker-desktop", "Stopped")], FAILED, "stopped"),
    ([("Ubuntu", "Running")], FAILED, "absent"), ([], FAILED, "absent")])
def test_docker_desktops_engine_runs(rows, expected, variant):
    verdict = windows.desktop_running([WslDistro(n, s, 2, i == 0) for i, (n, s) in enumerate(rows)])
    assert outcome(verdict) == expected and verdict.variant == variant


@pytest.mark.parametrize("driver, error, expected", [
    ("555.99", None, PASSED), ("560.94", None, PASSED), ("517.48", None, FAILED), ("460.20", None, FAILED),
    (None, "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.", FAILED), (None, None, FAILED)])
def test_nvidia_driver(driver, error, expected):
    verdict = windows.nvidia_driver(NvidiaSmi(driver, None, ("GPU",) if driver else (), error), CURRENT)
    assert outcome(verdict) == expected
    assert verdict.note == (expected == FAILED and driver is not None)  # an old driver is a note; no driver is not


@pytest.mark.parametrize("models, expected", [(["WDDM"], PASSED), (["WDDM", "WDDM"], PASSED), (["TCC"], FAILED),
                                              (["WDDM", "TCC"], FAILED), ([None], FAILED), (["MCDM"], FAILED)])
def test_driver_model(models, expected):
    gpus = [WindowsGpu(i, f"NVIDIA RTX A{i}000", m, "555.99") for i, m in enumerate(models)]
    verdict = windows.driver_model(gpus, "WDDM")
    assert outcome(verdict) == expected
    if verdict.failed:  # the first GPU outside WDDM fills the fix's {gpu}
        assert dict(verdict.values)["gpu"] == str(next(i for i, m in enumerate(models) if m != "WDDM"))


@pytest.mark.parametrize("kernel, profile, expected", [("5.15.167.4", CURRENT, PASSED), ("5.10.102.1", CURRENT, PASSED),
                                                       ("4.19.128", CURRENT, FAILED), ("4.19.128", DOCUMENTED, PASSED),
                                                       ("4.19.84", DOCUMENTED, FAILED)])
def test_wsl_kernel_from_windows(kernel, profile, expected):
    assert outcome(windows.wsl_kernel(kernel + "-microsoft-standard", kernel, profile)) == expected


# ---- the distro -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("line, expected, variant", [
    ("Linux version 5.15.167.4-microsoft-standard-WSL2 (root@f9c826d3017f) (gcc) #1 SMP Tue Nov 5 00:21:55 UTC 2024",
     PASSED, None),
    ("Linux version 4.19.128-microsoft-standard (oe-user@oe-host) (gcc version 8.2.0 (GCC)) #1 SMP", PASSED, None),
    ("Linux DESKTOP 4.4.0-19041-Microsoft #1-Microsoft Fri Dec 06 14:06:00 PST 2019 x86_64 GNU/Linux", FAILED, "wsl1"),
    ("Linux version 6.8.0-49-generic (buildd@lcy02-amd64-103) (gcc 13.2.0) #49-Ubuntu SMP", FAILED, "native")])
def test_wsl2s_kernel(line, expected, variant):
    kernel = parse_kernel(line)
    verdict = wsl.version2(kernel.release, kernel.flavour)
    assert outcome(verdict) == expected and verdict.variant == variant


@pytest.mark.parametrize("release, profile, expected", [
    ("5.15.167.4-microsoft-standard-WSL2", CURRENT, PASSED), ("5.10.16.3-microsoft-standard-WSL2", CURRENT, FAILED),
    ("4.19.128-microsoft-standard", DOCUMENTED, PASSED), ("4.19.104-microsoft-standard", DOCUMENTED, FAILED)])
def test_kernel_version(release, profile, expected):
    verdict = wsl.kernel_version(parse_kernel(f"Linux version {release} (x@y) (gcc) #1 SMP"), profile)
    assert outcome(verdict) == expected and ("kernel", release) in verdict.facts


def test_dxg():
    assert outcome(wsl.dxg(True)) == PASSED and outcome(wsl.dxg(False)) == FAILED


WANTED = CURRENT["wsl"]["driver_libraries"]


@pytest.mark.parametrize("names, bounds, expected", [
    (set(WANTED) | {"nvidia-smi"}, {}, PASSED),
    (set(WANTED) - {WANTED[0]}, {}, FAILED), (set(), {}, FAILED),
    # a cut listing: a wanted name outside what it shows is not known absent; inside it is
    ({max(WANTED)}, {"after": max(WANTED), "before": max(WANTED)}, NOT_APPLICABLE),
    (set(WANTED) - {min(WANTED)}, {"after": None, "before": max(WANTED) + "z"}, FAILED),
    (set(WANTED) - {min(WANTED)}, {"after": sorted(WANTED)[1], "before": max(WANTED) + "z"}, NOT_APPLICABLE)])
def test_driver_libraries(names, bounds, expected):
    assert len(WANTED) >= 2
    assert outcome(wsl.driver_libraries(names, CURRENT, **bounds)) == expected


@pytest.mark.parametrize("libraries, whole, expected, variant", [
    ({"libcuda.so.1": "/usr/lib/wsl/lib/libcuda.so.1"}, True, PASSED, None),
    ({"libcuda.so": "/usr/lib/wsl/lib/libcuda.so", "libcuda.so.1": "/usr/lib/wsl/lib/libcuda.so.1"}, True, PASSED, None),
    ({"libcuda.so.1": "/usr/lib/x86_64-linux-gnu/libcuda.so.1"}, True, FAILED, "shadowed"),
    ({"libcuda.so.1": "/usr/lib/x86_64-linux-gnu/libcuda.so.1"}, False, FAILED, "shadowed"),
    ({"libc.so.6": "/lib/x86_64-linux-gnu/libc.so.6"}, True, FAILED, None),
    ({"libdxcore.so": "/usr/lib/wsl/lib/libdxcore.so"}, False, NOT_APPLICABLE, None)])  # a grep of the cache
def test_loader(libraries, whole, expected, variant):
    verdict = wsl.loader(libraries, whole)
    assert outcome(verdict) == expected and verdict.variant == variant


def _packages(*rows):
    return {name: DpkgPackage(name, version, status) for name, version, status in rows}


@pytest.mark.parametrize("rows, expected", [
    ([("nvidia-container-toolkit", "1.17.3-1", "ii"), ("libnvidia-container1", "1.17.3-1", "ii")], PASSED),
    ([("nvidia-driver-470", "470.57.02-0ubuntu1", "rc")], PASSED),  # removed, its configuration kept: not installed
    ([("nvidia-driver-470", "470.57.02-0ubuntu1", "ii")], FAILED),
    ([("libnvidia-compute-535", "535.183.01-0ubuntu1", "ii"), ("nvidia-utils-535", "535.183.01", "ii")], FAILED)])
def test_no_linux_driver_inside(rows, expected):
    assert outcome(wsl.no_linux_driver(_packages(*rows))) == expected


@pytest.mark.parametrize("state, systemd, expected", [("active", True, PASSED), ("inactive", True, FAILED),
                                                      ("failed", True, FAILED), (None, False, NOT_APPLICABLE)])
def test_dockerd_as_systemctl_tells_it(state, systemd, expected):
    assert outcome(wsl.dockerd_unit(UnitState(state, systemd))) == expected


@pytest.mark.parametrize("kinds, expected", [(["started"], PASSED), (["iptables", "start-failed"], FAILED),
                                             (["start-failed", "started"], PASSED), (["pid-file"], FAILED)])
def test_dockerd_as_its_journal_tells_it(kinds, expected):
    journal = DockerJournal(len(kinds), tuple(JournalFinding(k, f"{k} line") for k in kinds), False, False, None)
    assert outcome(wsl.dockerd_journal(journal)) == expected
