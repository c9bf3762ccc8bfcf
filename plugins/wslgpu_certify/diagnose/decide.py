"""What one parsed output decides on its own: facts to show, and check verdicts with the profile's values.

Each function reads one record (the parser's typed result) and the profile, and returns
what it saw (facts, shown for healthy output too) and `CheckHit`s: a check of the catalog
(docs/checks.md) the output fails. Two strengths: a problem the output shows (WSL 1, a
Linux driver inside WSL, Docker Desktop's engine, an error), and a note, where the
certification would flag something that is not a problem on its own: a version only older
than the profile expects (the paste may be from another era of the stack), or no `nvidia`
runtime entry (Docker 19.03+ hands the GPU over with `--gpus` through the toolkit's hook,
no runtime entry needed: the nvidia-docker README at
https://github.com/NVIDIA/nvidia-docker/blob/36e7a11c52f300668099ee500791e07302810007/README.md,
https://github.com/NVIDIA/nvidia-docker/issues/1035). A note never
makes the verdict.
"""

from __future__ import annotations

import re

from dataclasses import dataclass

from ..parsers.dpkg import installed, linux_nvidia_driver_packages
from ..parsers.docker_context import docker_desktop_engine, is_docker_desktop_distro
from ..profile import profile_setting, version_satisfies


@dataclass(frozen=True)
class CheckHit:
    check_id: str
    seen: str  # what the output shows, one sentence
    variant: str | None = None  # the catalog's more specific remediation
    note: bool = False  # only older than the profile expects
    distro: str | None = None  # the distro this concerns, when the output names it


def _older(actual: str | None, wanted: str | None) -> bool:
    """True when a version is known and fails the profile's specifier (an unreadable one is not judged)."""
    if not actual or not wanted or wanted in ("optional",):
        return False
    try:
        return not version_satisfies(actual, wanted)
    except Exception:  # an odd version string ("N/A", "<none>") says nothing
        return False


def windows_build(build, profile, text=""):
    facts = [f"Windows build {build}"]
    wanted = profile["windows"]
    if build.build in wanted.get("known_bad_builds", []):
        return facts, [CheckHit("windows.build", f"Windows build {build.build} is known to break GPU compute in WSL.",
                                "known_bad")]
    if _older(str(build.build), wanted.get("build")):
        return facts, [CheckHit("windows.build", f"Windows build {build.build} is older than the profile's "
                                f"{wanted['build']}.", note=True)]
    return facts, []


def wsl_status(status, profile, text=""):
    facts = [f"default distribution {status.default_distribution}, default WSL version {status.default_version}"]
    hits = []
    wanted = profile["windows"].get("default_wsl_version", 2)
    if status.default_version is not None and status.default_version != wanted:
        hits.append(CheckHit("windows.wsl.default_version",
                             f"WSL's default version is {status.default_version}, not {wanted}."))
    if _older(status.kernel_version, profile["wsl"].get("kernel")):
        hits.append(CheckHit("windows.wsl.kernel", f"The WSL kernel {status.kernel_version} is older than the "
                             f"profile's {profile['wsl']['kernel']}.", note=True))
    if status.default_distribution and is_docker_desktop_distro(status.default_distribution):
        hits.append(_docker_default(status.default_distribution))
    return facts, hits


def _docker_default(name: str) -> CheckHit:
    return CheckHit("windows.distro.default", f"WSL's default distro is {name}, Docker Desktop's own engine VM, "
                    "so `wsl` and the tools that open the default distro land there.")


def wsl_list_verbose(distros, profile, text=""):
    facts = [", ".join(f"{d.name}: WSL {d.version}, {d.state}" + (" (default)" if d.is_default else "")
                       for d in distros) or "no distro installed"]
    hits = [CheckHit("windows.distro.version", f"The distro {d.name} runs as WSL {d.version}, not WSL 2.", distro=d.name)
            for d in distros if d.version != 2 and not is_docker_desktop_distro(d.name)]
    hits += [_docker_default(d.name) for d in distros if d.is_default and is_docker_desktop_distro(d.name)]
    if profile_setting(profile, "docker.engine") == "desktop":  # Docker Desktop's engine is its docker-desktop distro
        engine = docker_desktop_engine(distros)
        if engine is None:
            hits.append(CheckHit("windows.desktop.running", "wsl -l -v lists no docker-desktop distro: Docker Desktop "
                                 "is not installed or runs the Hyper-V backend.", "absent"))
        elif engine.state.lower() != "running":
            hits.append(CheckHit("windows.desktop.running", f"docker-desktop is {engine.state}: Docker Desktop's "
                                 "engine is not running.", "stopped"))
    return facts, hits


def wsl_version(info, profile, text=""):
    if not info.store:
        return ["the inbox wsl.exe (no Store WSL: it has no --version)"], []
    facts = [f"WSL {info.wsl_version}, kernel {info.kernel_version}, Windows {info.windows_version}"]
    if _older(info.kernel_version, profile["wsl"].get("kernel")):
        return facts, [CheckHit("windows.wsl.kernel", f"The WSL kernel {info.kernel_version} is older than the "
                                f"profile's {profile['wsl']['kernel']}.", note=True)]
    return facts, []


def wsl_list(names, profile, text=""):
    return [", ".join(names) or "no distro installed"], []


def query_driver_model(gpus, profile, text=""):
    facts = [", ".join(f"{g.name}: {g.driver_model or 'N/A'} driver {g.driver_version}" for g in gpus)]
    tcc = [f"GPU {g.index} ({g.name})" for g in gpus if g.driver_model == "TCC"]  # WSL is offered WDDM GPUs only
    return facts, [CheckHit("windows.gpu.driver_model", f"{', '.join(tcc)} runs under the TCC driver model: WSL 2 "
                            "is offered GPUs under WDDM only.")] if tcc else []


def kernel(info, profile, text=""):
    facts = [f"kernel {info.release} ({ {'wsl2': 'WSL 2', 'wsl1': 'WSL 1'}.get(info.flavour, 'not a WSL kernel')})"]
    if info.flavour != "wsl2":
        what = "WSL 1" if info.flavour == "wsl1" else "a native Linux kernel, not WSL's"
        return facts, [CheckHit("wsl.version2", f"The kernel {info.release} is {what}, not WSL 2.",
                                "native" if info.flavour == "native" else None)]
    if _older(info.numeric, profile["wsl"].get("kernel")):
        return facts, [CheckHit("wsl.kernel.version", f"The kernel {info.release} is older than the profile's "
                                f"{profile['wsl']['kernel']}.", note=True)]
    return facts, []


def nvidia_smi(smi, profile, text=""):
    facts = [f"driver {smi.driver_version}, CUDA {smi.cuda_version}, GPUs: {', '.join(smi.gpu_names) or 'none read'}"]
    if smi.error:
        return facts, [CheckHit("gpu.nvidia_smi.gpu", f"nvidia-smi sees no GPU: {smi.error}")]
    if _older(smi.driver_version, profile["windows"].get("nvidia_driver")):
        return facts, [CheckHit("windows.nvidia.driver", f"The NVIDIA driver {smi.driver_version} is older than the "
                                f"profile's {profile['windows']['nvidia_driver']}.", note=True)]
    return facts, []


def dpkg(packages, profile, text=""):
    ready = installed(packages)
    facts = [", ".join(f"{p.name} {p.version}" for p in ready.values()) or "no installed package listed"]
    drivers = linux_nvidia_driver_packages(packages)
    hits = []
    if drivers:
        hits.append(CheckHit("wsl.driver.no_linux_driver",
                             f"A Linux NVIDIA driver is installed inside WSL: {', '.join(drivers)}."))
    for name, wanted in profile["docker"].get("packages", {}).items():
        found = ready.get(name)
        if found is not None and _older(found.version, wanted):
            hits.append(CheckHit(f"docker.package.{name}", f"{name} {found.version} is older than the profile's "
                                 f"{wanted}.", note=True))
    return facts, hits


def ldconfig_cache(libraries, profile, text=""):
    paths = [path for name, path in libraries.items() if name.startswith("libcuda.so")]
    facts = [f"libcuda.so -> {', '.join(paths) or 'not listed'}"]
    if paths and not any(path.startswith("/usr/lib/wsl/") for path in paths):
        return facts, [CheckHit("wsl.driver.loader", f"The loader resolves libcuda.so to {paths[0]}, not the WSL "
                                "driver under /usr/lib/wsl/lib.", "shadowed")]
    if not paths and "libs found in cache" in text:  # the whole cache, not a grep of it
        return facts, [CheckHit("wsl.driver.loader", "The dynamic loader does not know libcuda.so.")]
    return facts, []


def ldconfig_warnings(warnings, profile, text=""):
    return [f"ldconfig: {w.path} {w.kind}" + (" (WSL's own copies: cosmetic)" if w.path.startswith("/usr/lib/wsl/")
                                              else "") for w in warnings] or ["ldconfig printed nothing"], []


def wsl_lib(listing, profile, text=""):
    if not listing.present:
        return ["/usr/lib/wsl/lib is absent"], [CheckHit("wsl.driver.libraries", "/usr/lib/wsl/lib does not exist: "
                                                         "the Windows driver maps no GPU libraries into the distro.")]
    names = {e.name for e in listing.entries}
    last = max(names)
    # ls sorts its listing: a wanted name sorting before the last one shown is truly absent; one after it
    # may only have been cut from the paste.
    # Likewise `ls -l` starts with its "total N" line: without it the head may be cut (a paste starting mid-listing),
    # and a name sorting before the first one shown is not known to be absent.
    head = not re.search(r"^[-l][rwxsStT-]{9}", text, re.M) or re.search(r"^\s*total \d+", text, re.M)
    first = min(names)
    missing = [n for n in profile["wsl"].get("driver_libraries", []) if n not in names and n < last
               and (head or n > first)]
    facts = [f"{len(names)} entries, libcuda {'present' if listing.has_libcuda or 'libcuda.so' in names else 'absent'}"]
    if missing:
        return facts, [CheckHit("wsl.driver.libraries", f"/usr/lib/wsl/lib lacks {', '.join(missing)}.")]
    return facts, []


def dxg(present, profile, text=""):
    if present:
        return ["/dev/dxg present"], []
    return ["/dev/dxg absent"], [CheckHit("wsl.gpu.dxg", "/dev/dxg is missing: the distro has no GPU "
                                          "paravirtualisation device.")]


def nbody(result, profile, text=""):
    if hasattr(result, "kind"):  # DockerRunFailure: why Docker or CUDA refused to run it
        return [f"docker run failed ({result.kind})"], [
            CheckHit("gpu.nbody.runs", f"`docker run --gpus all` nbody failed ({result.kind}).", result.kind)]
    gpu = profile.get("gpu", {})
    facts = [f"{result.gpu_name} (compute capability {result.compute_capability}): {result.gflops:.1f} GFLOP/s"]
    minimum = gpu.get("min_compute_capability")
    if minimum and _older(result.compute_capability, f">={minimum}"):
        return facts, [CheckHit("gpu.nbody.device", f"{result.gpu_name} has compute capability "
                                f"{result.compute_capability}; the CUDA images need {minimum} or higher.")]
    baseline = gpu.get("nbody_baseline_gflops", {}).get(result.gpu_name)
    if baseline is None:
        facts.append(f"the profile has no nbody baseline for {result.gpu_name}")
        return facts, []
    tolerance = gpu.get("tolerance", 0.2)
    if result.gflops < baseline * (1 - tolerance):
        return facts, [CheckHit("gpu.nbody.performance", f"{result.gflops:.1f} GFLOP/s is "
                                f"{100 * (1 - result.gflops / baseline):.0f} % under the {baseline:.1f} GFLOP/s "
                                f"baseline for {result.gpu_name} (tolerance {tolerance:.0%}).")]
    return facts, []


def described(record, profile, text=""):
    """Records read for what they show; their problems are the signatures' to name."""
    fields = {k: v for k, v in vars(record).items() if v not in (None, (), "", [])} if hasattr(record, "__dict__") else {}
    return [", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in list(fields.items())[:4]) or str(record)[:120]], []
