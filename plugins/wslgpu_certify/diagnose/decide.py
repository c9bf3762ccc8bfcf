"""Which judge, on which record: what one parsed output decides on its own (Windows, WSL, GPU; decide_docker.py: Docker).

Each function is one kind of output (recognise.KINDS' decide): the facts it shows (said for healthy output
too) and the verdicts of the judges (judges/, the same functions the checks call) that this record can
feed, with what else each needs. No comparison lives here: a record that the suite would fail fails here for
the same reason, in the check's words. What a paste adds is said as an argument: a listing that may be cut
(`ls`, a grep of the loader cache) is judged only where it shows enough. Two strengths: a problem, and a
note (Verdict.note: a version only older than the profile expects, the paste may be from another era of the
stack; or a runtime entry `--gpus all` does not need). A note never makes the verdict.
"""

from __future__ import annotations

import re

from dataclasses import dataclass

from ..judges import Verdict
from ..judges import gpu as gpu_judge
from ..judges import windows as windows_judge
from ..judges import wsl as wsl_judge
from ..judges.docker import package
from ..parsers.dpkg import installed
from ..parsers.docker_context import is_docker_desktop_distro
from ..profile import profile_setting

YOUR_DISTRO = "your own distro"  # the check names the machine's distro; a paste may not say which one it is


@dataclass(frozen=True)
class CheckHit:
    """A check a part of the paste fails: a failed verdict as diagnose says it (fragments.py builds its own)."""

    check_id: str
    seen: str  # what the output shows, one sentence
    variant: str | None = None  # the catalog's more specific remediation
    note: bool = False  # only older than the profile expects
    distro: str | None = None  # the distro this concerns, when the output names it


def hits_of(said: list) -> list[CheckHit]:
    """The failures among a decide function's verdicts (and the CheckHits fragments.py decides), as hits."""
    return [CheckHit(v.check_id, v.sentence, v.variant, v.note, v.distro) if isinstance(v, Verdict) else v
            for v in said if not isinstance(v, Verdict) or v.failed]


def windows_build(build, profile, text=""):
    return [f"Windows build {build}"], [windows_judge.build(build, profile)]


def wsl_status(status, profile, text=""):
    facts = [f"default distribution {status.default_distribution}, default WSL version {status.default_version}"]
    said = [windows_judge.default_version(status, profile)]
    if status.kernel_version:  # the check reads the kernel from the distro; --status names it too
        said.append(windows_judge.wsl_kernel(status.kernel_version, status.kernel_version, profile))
    if status.default_distribution:
        said.append(windows_judge.default_distro(status.default_distribution, YOUR_DISTRO))
    return facts, said


def wsl_list_verbose(distros, profile, text=""):
    facts = [", ".join(f"{d.name}: WSL {d.version}, {d.state}" + (" (default)" if d.is_default else "")
                       for d in distros) or "no distro installed"]
    # every distro listed (the paste does not say which one is the user's), but Docker Desktop's own
    said = [windows_judge.distro_version(d) for d in distros if not is_docker_desktop_distro(d.name)]
    said += [windows_judge.default_distro(d.name, YOUR_DISTRO) for d in distros if d.is_default]
    if profile_setting(profile, "docker.engine") == "desktop":  # Docker Desktop's engine is its docker-desktop distro
        said.append(windows_judge.desktop_running(distros))
    return facts, said


def wsl_version(info, profile, text=""):
    if not info.store:
        return ["the inbox wsl.exe (no Store WSL: it has no --version)"], []
    facts = [f"WSL {info.wsl_version}, kernel {info.kernel_version}, Windows {info.windows_version}"]
    return facts, [windows_judge.wsl_kernel(info.kernel_version, info.kernel_version, profile)] if info.kernel_version else []


def wsl_list(names, profile, text=""):
    return [", ".join(names) or "no distro installed"], []


def query_driver_model(gpus, profile, text=""):
    facts = [", ".join(f"{g.name}: {g.driver_model or 'N/A'} driver {g.driver_version}" for g in gpus)]
    # the check holds the profile's windows.driver_model (WDDM where it asks; the catalog rules it out elsewhere)
    return facts, [windows_judge.driver_model(gpus, profile_setting(profile, "windows.driver_model") or "WDDM")]


def kernel(info, profile, text=""):
    facts = [f"kernel {info.release} ({ {'wsl2': 'WSL 2', 'wsl1': 'WSL 1'}.get(info.flavour, 'not a WSL kernel')})"]
    wsl2 = wsl_judge.version2(info.release, info.flavour)
    # wsl.kernel.version requires wsl.version2 (checks/wsl.toml): a WSL 1 kernel is not held to WSL 2's versions
    return facts, [wsl2] + ([wsl_judge.kernel_version(info, profile)] if not wsl2.failed else [])


def nvidia_smi(smi, profile, text=""):
    facts = [f"driver {smi.driver_version}, CUDA {smi.cuda_version}, GPUs: {', '.join(smi.gpu_names) or 'none read'}"]
    said = [gpu_judge.nvidia_smi_gpu(smi)]  # no nbody beside it: the GPUs it lists are not compared with one
    if not smi.error and smi.driver_version:  # the driver WSL's nvidia-smi shows is the Windows one
        said.append(windows_judge.nvidia_driver(smi, profile))
    return facts, said


def dpkg(packages, profile, text=""):
    ready = installed(packages)
    facts = [", ".join(f"{p.name} {p.version}" for p in ready.values()) or "no installed package listed"]
    # a listing (often grepped) is no proof a package is absent: only the packages it shows are held to the profile
    return facts, [wsl_judge.no_linux_driver(packages)] + [
        package(name, ready[name].version or "", profile) for name in profile["docker"].get("packages", {})
        if name in ready]


def ldconfig_cache(libraries, profile, text=""):
    paths = [path for name, path in libraries.items() if name.startswith("libcuda.so")]
    facts = [f"libcuda.so -> {', '.join(paths) or 'not listed'}"]
    return facts, [wsl_judge.loader(libraries, whole="libs found in cache" in text)]  # else a grep of the cache


def ldconfig_warnings(warnings, profile, text=""):
    return [f"ldconfig: {w.path} {w.kind}" + (" (WSL's own copies: cosmetic)" if w.path.startswith("/usr/lib/wsl/")
                                              else "") for w in warnings] or ["ldconfig printed nothing"], []


def wsl_lib(listing, profile, text=""):
    if not listing.present:
        return ["/usr/lib/wsl/lib is absent"], [wsl_judge.driver_libraries(set(), profile)]
    names = {e.name for e in listing.entries}
    # ls sorts its listing: a paste may be cut below the last name shown. `ls -l` starts with its "total N" line:
    # without it the head may be cut too (a paste starting mid-listing).
    head = not re.search(r"^[-l][rwxsStT-]{9}", text, re.M) or re.search(r"^\s*total \d+", text, re.M)
    facts = [f"{len(names)} entries, libcuda {'present' if listing.has_libcuda or 'libcuda.so' in names else 'absent'}"]
    return facts, [wsl_judge.driver_libraries(names, profile, after=None if head else min(names), before=max(names))]


def dxg(present, profile, text=""):
    return ["/dev/dxg present" if present else "/dev/dxg absent"], [wsl_judge.dxg(present)]


def nbody(result, profile, text=""):
    runs = gpu_judge.nbody_runs(result)
    if runs.failed:  # DockerRunFailure: why Docker or CUDA refused to run it
        return [f"docker run failed ({result.kind})"], [runs]
    facts = [f"{result.gpu_name} (compute capability {result.compute_capability}): {result.gflops:.1f} GFLOP/s"]
    device = gpu_judge.nbody_device(result, profile)
    if device.failed:  # gpu.nbody.performance requires gpu.nbody.device (checks/gpu.toml)
        return facts, [runs, device]
    performance = gpu_judge.nbody_performance(result, profile)
    if performance.outcome == "not_applicable":
        facts.append(f"the profile has no nbody baseline for {result.gpu_name}")
    return facts, [runs, device, performance]


def described(record, profile, text=""):
    """Records read for what they show; their problems are the signatures' to name."""
    fields = {k: v for k, v in vars(record).items() if v not in (None, (), "", [])} if hasattr(record, "__dict__") else {}
    return [", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in list(fields.items())[:4]) or str(record)[:120]], []
