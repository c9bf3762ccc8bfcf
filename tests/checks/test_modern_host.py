"""Today's host checks on current-healthy.json: each seen failing with its fix, and bad input to each new probe.

The checks: windows.gpu.driver_model (nvidia-smi.exe's driver-model query), windows.wsl.store (`wsl --version`),
wsl.driver.libcuda_unversioned (the loader cache and /usr/lib/wsl/lib), gpu.cuda.smoke (cuInit through
ctypes), gpu.nbody.performance (baselines by GPU name). Each row replaces one or two recorded answers.
"""

import json
from pathlib import Path

import pytest

from suite_run import SNAPSHOTS, mutated, replay_rows
from wslgpu_certify.catalog import REGISTRY, load_checks
from wslgpu_certify.probes import distro, windows

# One worker replays this module's batch (tests/pytest.ini: --dist loadgroup), not each worker the whole batch.
pytestmark = pytest.mark.xdist_group("modern-host")

CURRENT = SNAPSHOTS / "current-healthy.json"
HEALTHY = json.loads(CURRENT.read_text())
SMOKE = distro.CUDA_SMOKE.command
DRIVER_MODEL = windows.WINDOWS_GPU_DRIVER_MODEL.command
LDCONFIG = "/sbin/ldconfig -p"
LISTING = distro.WSL_LIB_LISTING.command
NBODY = "docker run --rm --gpus all nvcr.io/nvidia/k8s/cuda-sample:nbody nbody -gpu -benchmark"
# The loader cache of the driver's layout as it is (microsoft/WSL#8587): libcuda.so.1 only, as recorded.
LDCONFIG_WITHOUT_UNVERSIONED = HEALTHY["hosts"]["wsl"][LDCONFIG]["stdout"]
assert "\tlibcuda.so (" not in LDCONFIG_WITHOUT_UNVERSIONED
# ... and after the fix (a directory of symlinks registered with the loader, microsoft/WSL#5548).
LDCONFIG_AFTER_FIX = LDCONFIG_WITHOUT_UNVERSIONED.replace(
    "\tlibcuda.so.1 (libc6,x86-64) => /usr/lib/wsl/lib/libcuda.so.1\n",
    "\tlibcuda.so.1 (libc6,x86-64) => /usr/lib/wsl/lib/libcuda.so.1\n"
    "\tlibcuda.so (libc6,x86-64) => /usr/lib/wsl/lib2/libcuda.so\n").replace("12 libs found", "13 libs found")
DLOPEN_FAILED = ('Traceback (most recent call last):\n  File "<string>", line 1, in <module>\n'
                 '  File "/usr/lib/python3.10/ctypes/__init__.py", line 374, in __init__\n'
                 '    self._handle = _dlopen(self._name, mode)\n'
                 'OSError: libcuda.so.1: cannot open shared object file: No such file or directory\n')


def out(stdout, stderr="", rc=0):
    return {"exit_status": rc, "stdout": stdout, "stderr": stderr, "duration": 0.1}


# name -> (the snapshot it extends, hosts replacing that snapshot's answers, the profile it is replayed under,
# the checks it runs: READ, or the whole catalog (None)).
JOBS: dict[str, tuple[Path, dict, str, tuple[str, ...] | None]] = {}
# The checks this module's tests read (--check: a prefix selects a group); their requirements are evaluated too.
READ = ("windows.gpu.driver_model", "windows.wsl.store", "wsl.driver.libcuda_unversioned", "gpu.cuda.smoke",
        "gpu.nbody.performance", "windows.distro")


def job(name: str, hosts: dict | None, base: Path = CURRENT, profile: str = "current",
        checks: tuple[str, ...] | None = READ) -> str:
    JOBS[name] = (base, hosts or {}, profile, checks)
    return name


@pytest.fixture(scope="module")
def replays(tmp_path_factory) -> dict:
    """Every job of this module as a machine of one run of the product per profile and selection (replay_rows)."""
    rows = {name: (mutated(base, hosts, METADATA.get(name)),
                   ("--cert-profile", profile, *[a for c in checks or () for a in ("--check", c)]))
            for name, (base, hosts, profile, checks) in JOBS.items()}
    return replay_rows(tmp_path_factory.mktemp("modern-host"), rows)


# check, {role: {command: answer}}, a phrase of the message, a phrase of the fix
FAILS = [
    # The driver's own copies, as every stock machine has them (current-healthy.json records them so).
    ("wsl.driver.libcuda_unversioned", {}, "as copies (regular files), not symlinks", "/etc/ld.so.conf.d/ld.wsl-links.conf"),
    ("windows.gpu.driver_model", {"windows": {DRIVER_MODEL: out("0, NVIDIA GeForce RTX 3070, TCC, 555.99\r\n")}},
     "GPU 0 (NVIDIA GeForce RTX 3070) is TCC", "nvidia-smi.exe -dm 0"),
    ("windows.gpu.driver_model", {"windows": {DRIVER_MODEL: out("0, NVIDIA GeForce RTX 3070, [N/A], 555.99\r\n")}},
     "without a driver model", "shutdown.exe /r /t 0"),
    ("gpu.cuda.smoke", {"wsl": {SMOKE: out("", DLOPEN_FAILED, rc=1)}},
     "could not load libcuda.so.1: libcuda.so.1: cannot open shared object file", "ld.wsl.conf"),
    ("gpu.cuda.smoke", {"wsl": {SMOKE: out("cuInit 100\n")}}, "CUDA_ERROR_NO_DEVICE", "cuda/wsl/download"),
    ("gpu.cuda.smoke", {"wsl": {SMOKE: out("cuInit 34\n")}}, "CUDA_ERROR_STUB_LIBRARY", "unset LD_LIBRARY_PATH"),
    ("gpu.cuda.smoke", {"wsl": {SMOKE: out("cuInit 803\n")}}, "CUDA_ERROR_SYSTEM_DRIVER_MISMATCH", "apt-get remove --purge"),
    ("gpu.cuda.smoke", {"wsl": {SMOKE: out("cuInit 0\ncuDriverGetVersion 0 12050\ncuDeviceGetCount 0 0\ndone\n")}},
     "found 0 devices", "cuda/wsl/download"),
    ("gpu.cuda.smoke", {"wsl": {SMOKE: out("cuInit 0\ncuDriverGetVersion 0 12050\ncuDeviceGetCount 0 1\n"
                                           "device 0 101 \ndone\n")}}, "CUDA_ERROR_INVALID_DEVICE", "ld.wsl.conf"),
    # libcuda.so a symlink (someone replaced the copies) but the cache built before: stale, not the copies.
    ("wsl.driver.libcuda_unversioned", {"wsl": {
        LDCONFIG: out(LDCONFIG_WITHOUT_UNVERSIONED),
        LISTING: out(HEALTHY["hosts"]["wsl"][LISTING]["stdout"].replace(
            "-r-xr-xr-x 1 root root   165672 Jun 20 11:04 libcuda.so\n",
            "lrwxrwxrwx 1 root root       12 Jan  7 13:57 libcuda.so -> libcuda.so.1\n"))}},
     "the cache is older than the directory", "sudo ldconfig"),
]
SHOWN_FAILING = {check_id for check_id, *_ in FAILS}  # test_diagnosis_matrix.py: every check fails somewhere

FAIL_JOBS = [job(f"fails-{i}", hosts) for i, (_, hosts, *_) in enumerate(FAILS)]


@pytest.mark.parametrize("i", range(len(FAILS)), ids=[f"{c}-{i}" for i, (c, *_) in enumerate(FAILS)])
def test_check_fails_with_its_fix(replays, i):
    check_id, _, message, fix = FAILS[i]
    run = replays[FAIL_JOBS[i]]
    finding = run.check(check_id)
    load_checks()
    assert finding["outcome"] == ("warning" if REGISTRY[check_id].advisory else "failed"), finding
    assert message in finding["message"], finding["message"]
    assert any(fix in command for command in finding["remediation"]["commands"]), finding["remediation"]


HEALTHY_JOB = job("healthy", None, checks=None)
LIBCUDA_FIXED_JOB = job("libcuda-fixed", {"wsl": {LDCONFIG: out(LDCONFIG_AFTER_FIX)}})


def test_the_unversioned_libcuda_passes_once_the_loader_knows_it(replays):
    finding = replays[LIBCUDA_FIXED_JOB].check("wsl.driver.libcuda_unversioned")
    assert finding["outcome"] == "passed", finding
    assert finding["figures"]["libcuda.so"] == "/usr/lib/wsl/lib2/libcuda.so"


def test_new_checks_pass_on_current_healthy_and_publish_what_they_read(replays):
    run = replays[HEALTHY_JOB]
    figures = {k: v for c in run.results["checks"] if c["outcome"] == "passed" for k, v in c.get("figures", {}).items()}
    assert {run.check(c)["outcome"] for c in ("windows.gpu.driver_model", "windows.wsl.store", "gpu.cuda.smoke",
                                              "gpu.nbody.performance")} == {"passed"}, run.outcomes()
    # advisory: the stock driver's copies leave dlopen("libcuda.so") unresolved on most healthy machines
    assert run.check("wsl.driver.libcuda_unversioned")["outcome"] == "warning"
    assert figures["cuda_devices"] == "NVIDIA GeForce RTX 3070" and figures["cuda_driver_api"] == "12.5"
    assert "Windows 10.0.26100.2605" in figures["wsl"] and "WSLg 1.0.65" in figures["wsl"]
    assert figures["gpu_driver_models"] == "0: NVIDIA GeForce RTX 3070 WDDM"
    assert figures["nbody_baseline_gflops"] == 11866.937  # "GeForce RTX 3070" matched without "NVIDIA "


INBOX_JOB = job("inbox-documented", None, SNAPSHOTS / "broken-current-inbox-wsl.json", "documented")


def test_inbox_wsl_is_expected_under_documented(replays):
    """The guide's inbox wsl.exe: under `documented` its refusal of --version is the expected answer, not an error."""
    run = replays[INBOX_JOB]
    assert run.check("windows.wsl.store")["outcome"] == "passed", run.check("windows.wsl.store")


def _nbody_on(name: str, gflops: float) -> str:
    stdout = HEALTHY["hosts"]["wsl"][NBODY]["stdout"]
    head, _, _ = stdout.partition("> Compute")
    return (head + f"> Compute 8.6 CUDA device: [{name}]\n47104 bodies, total time for 10 iterations: 37.394 ms\n"
            f"= 593.347 billion interactions per second\n= {gflops} single-precision GFLOP/s at 20 flops per interaction\n")


NBODY_CASES = [
    ("NVIDIA GeForce RTX 3070", 5000.0, "failed", "under the 11866.9 GFLOP/s baseline for GeForce RTX 3070"),
    ("NVIDIA GeForce RTX 3080 Laptop GPU", 10000.0, "passed", ""),  # its own figure, not the desktop 3080's
    ("NVIDIA GeForce RTX 3080 Laptop GPU", 7000.0, "failed", "baseline for GeForce RTX 3080 Laptop GPU"),
    # A laptop part without a figure of its own is never held to the desktop one: a figure, not a failure.
    ("NVIDIA GeForce RTX 3070 Laptop GPU", 7000.0, "not_applicable", "is a desktop part's"),
    ("NVIDIA RTX A2000 12GB", 7000.0, "not_applicable", "no baseline for NVIDIA RTX A2000 12GB"),
]
NBODY_JOBS = [job(f"nbody-{i}", {"wsl": {NBODY: out(_nbody_on(name, gflops))}})
              for i, (name, gflops, *_) in enumerate(NBODY_CASES)]


@pytest.mark.parametrize("i", range(len(NBODY_CASES)), ids=[f"{c[0]}-{c[1]:g}" for c in NBODY_CASES])
def test_nbody_baseline_by_name_and_suffix(replays, i):
    _, _, outcome, phrase = NBODY_CASES[i]
    run = replays[NBODY_JOBS[i]]
    finding = run.check("gpu.nbody.performance")
    assert finding["outcome"] == outcome, finding
    assert phrase in finding["message"]


# Bad input to each new probe: a missing program, empty, garbage, UTF-16 as a bad decoder would leave it, cut.
BAD = {
    "missing": lambda text, program: out("", f"sh: 1: {program}: not found\n", rc=127),
    "empty": lambda text, program: out(""),
    "garbage": lambda text, program: out(bytes(range(256)).decode("latin-1") * 3),
    "utf16": lambda text, program: out(text.encode("utf-16-le").decode("latin-1")),
    "cut": lambda text, program: out(text[: len(text) // 2]),
}
PROBES = {  # check -> (role, command, program)
    "windows.gpu.driver_model": ("windows", DRIVER_MODEL, "nvidia-smi.exe"),
    "gpu.cuda.smoke": ("wsl", SMOKE, "python3"),
    "windows.wsl.store": ("windows", "wsl.exe --version", "wsl.exe"),
}


# One replay per damage kind and probe group: the smoke test requires the driver-model check, so it is
# damaged apart from it.
GROUPS = {"windows": ("windows.gpu.driver_model", "windows.wsl.store"), "smoke": ("gpu.cuda.smoke",)}


def _damaged(damage: str, group: str) -> dict:
    hosts: dict = {}
    for check_id in GROUPS[group]:
        role, command, program = PROBES[check_id]
        hosts.setdefault(role, {})[command] = BAD[damage](HEALTHY["hosts"][role][command]["stdout"], program)
    return hosts


BAD_JOBS = {(damage, group): job(f"bad-{damage}-{group}", _damaged(damage, group))
            for damage in BAD for group in GROUPS}


@pytest.mark.parametrize("damage", sorted(BAD))
@pytest.mark.parametrize("check_id", sorted(PROBES))
def test_bad_input_is_a_clear_failure_never_an_error(replays, check_id, damage):
    group = next(g for g, ids in GROUPS.items() if check_id in ids)
    _, _, program = PROBES[check_id]
    finding = replays[BAD_JOBS[(damage, group)]].check(check_id)
    if damage == "utf16":
        # NULs between the characters are cleaned away (parsers/_text.py): the same answer, read whole.
        assert finding["outcome"] == "passed", finding
        return
    assert finding["outcome"] == "failed", finding
    if damage == "missing":
        assert f"could not run `{program}`" in finding["message"], finding["message"]
    else:
        assert "could not read the output" in finding["message"] or "exited with" in finding["message"], finding


def _loader_damaged(damage: str) -> dict:
    ldconfig = LDCONFIG_WITHOUT_UNVERSIONED
    listing = HEALTHY["hosts"]["wsl"][LISTING]["stdout"]
    damaged = BAD[damage](listing, "ls")
    if damage == "cut":  # a listing cut inside a line: "-r-xr-xr-x 1 root root   1656"
        damaged = out(listing[: listing.index("libcuda.so.1\n") - 3])
    return {"wsl": {LDCONFIG: out(ldconfig), LISTING: damaged}}


LOADER_JOBS = {damage: job(f"loader-{damage}", _loader_damaged(damage))
               for damage in ("empty", "garbage", "cut")}


@pytest.mark.parametrize("damage", sorted(LOADER_JOBS))
def test_bad_loader_answers_are_failures(replays, damage):
    """ldconfig -p without libcuda.so sends the check to the listing; a damaged listing is never read as copies."""
    finding = replays[LOADER_JOBS[damage]].check("wsl.driver.libcuda_unversioned")
    assert finding["outcome"] in ("failed", "skipped"), finding  # skipped: wsl.driver.libraries reads it first
    if finding["outcome"] == "skipped":
        assert "depends on wsl.driver.libraries, which failed" in finding["message"], finding["message"]
    assert "copies" not in finding["message"], finding["message"]


# ---- which distro: --distro, else $WSL_DISTRO_NAME in WSL, else (from Windows) the one `wsl -l -v` marks `*`
LIST_WSL1_DEFAULT = out("  NAME              STATE           VERSION\n* Ubuntu-22.04      Stopped         1\n"
                        "  docker-desktop    Stopped         2\n")


def _distro_job(name: str, distro: str, *args: str) -> str:
    hosts = {"windows": {"wsl.exe --list --verbose": LIST_WSL1_DEFAULT}}
    METADATA[name] = {"env": "windows", "distro": distro}
    return job(name, hosts)


METADATA: dict[str, dict] = {}
DEFAULT_DISTRO_JOB = _distro_job("distro-default", "")
ABSENT_DISTRO_JOB = _distro_job("distro-absent", "Ubuntu")


def test_from_windows_the_default_distro_is_certified_and_a_wsl1_one_is_diagnosed(replays):
    """No distro named: the `*` one (Ubuntu-22.04), not the literal Ubuntu; it runs as WSL 1, and that is the finding."""
    run = replays[DEFAULT_DISTRO_JOB]
    assert run.check("windows.distro.installed")["outcome"] == "passed", run.check("windows.distro.installed")
    version = run.check("windows.distro.version")
    assert version["outcome"] == "failed" and "Ubuntu-22.04 runs as WSL 1" in version["message"], version
    assert "wsl.exe --set-version Ubuntu-22.04 2" in version["remediation"]["commands"]


def test_a_named_distro_that_is_absent_is_one_failure_listing_those_that_exist(replays):
    run = replays[ABSENT_DISTRO_JOB]
    installed = run.check("windows.distro.installed")
    assert installed["outcome"] == "failed", installed
    assert "wsl -l -v lists: Ubuntu-22.04 (WSL 1, default), docker-desktop (WSL 2)" in installed["message"]
    assert "Ubuntu-22.04 runs as WSL 1" in installed["message"]
    assert any("--distro" in c for c in installed["remediation"]["commands"])
    assert run.check("windows.distro.version")["outcome"] == "skipped"
    assert [c["id"] for c in run.results["checks"] if c["outcome"] == "failed"] == ["windows.distro.installed"]

