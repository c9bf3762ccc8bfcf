"""The GPU layer's judges: the guide's nbody benchmark (it ran, its device, its figure) and nvidia-smi in WSL."""

from __future__ import annotations

import re

from . import Verdict, failed, not_applicable, passed, satisfies
from ..lazy_regex import regex

# Suffixes that mark a laptop part: its figure is its own, never the desktop GPU's of the same number.
_LAPTOP = regex(r"\s+(?:with Max-Q Design|Laptop GPU|Max-Q)$", re.I)


def _gpu_key(name: str) -> str:
    """A GPU name as baselines are matched: drivers since about 2021 prefix "NVIDIA " (the guide's 460 did not)."""
    return re.sub(r"\s+", " ", name.strip()).removeprefix("NVIDIA ").casefold()


def nbody_baseline(name: str, baselines: dict) -> tuple[str | None, float | None]:
    """The profile's (name, GFLOP/s) for this GPU: the same name, with or without "NVIDIA ", any case."""
    by_key = {_gpu_key(known): (known, figure) for known, figure in baselines.items()}
    return by_key.get(_gpu_key(name), (None, None))


def nbody_runs(outcome) -> Verdict:
    """gpu.nbody.runs: `docker run --gpus all` ran nbody (a DockerRunFailure says why Docker or CUDA refused)."""
    if hasattr(outcome, "kind") and hasattr(outcome, "detail"):  # parsers.runs.DockerRunFailure
        return failed("gpu.nbody.runs", f"`docker run --gpus all` nbody failed ({outcome.kind}): {outcome.detail}",
                      outcome.kind)
    return passed("gpu.nbody.runs")


def nbody_device(result, profile) -> Verdict:
    """gpu.nbody.device: the GPU nbody ran on has the compute capability the CUDA images need."""
    facts = (("gpu", f"{result.gpu_name} (compute capability {result.compute_capability})"),)
    minimum = profile["gpu"]["min_compute_capability"]
    if not satisfies(result.compute_capability, f">={minimum}"):  # None: no number, nothing to pass on
        return failed("gpu.nbody.device", f"{result.gpu_name} has compute capability {result.compute_capability}; "
                      f"the CUDA images need {minimum} or higher", facts=facts)
    return passed("gpu.nbody.device", facts)


def nbody_performance(result, profile) -> Verdict:
    """gpu.nbody.performance: nbody's GFLOP/s within the profile's tolerance of the baseline for this GPU."""
    baselines = profile["gpu"]["nbody_baseline_gflops"]
    tolerance = profile["gpu"]["tolerance"]
    known, baseline = nbody_baseline(result.gpu_name, baselines)
    if baseline is None:
        desktop, _ = nbody_baseline(_LAPTOP.sub("", result.gpu_name), baselines)
        aside = (f"; the figure for {desktop} is a desktop part's and is not compared with this laptop GPU"
                 if desktop and _LAPTOP.search(result.gpu_name) else "")
        return not_applicable("gpu.nbody.performance", f"{result.gflops:.1f} GFLOP/s measured; the profile has no "
                              f"baseline for {result.gpu_name}{aside} (add it under [gpu.nbody_baseline_gflops])",
                              (("nbody_gflops", result.gflops),))
    facts = (("nbody_gflops", result.gflops), ("nbody_baseline_gflops", baseline), ("nbody_tolerance", tolerance))
    if result.gflops < baseline * (1 - tolerance):
        shortfall = 100 * (1 - result.gflops / baseline)
        return failed("gpu.nbody.performance", f"{result.gflops:.1f} GFLOP/s is {shortfall:.0f} % under the "
                      f"{baseline:.1f} GFLOP/s baseline for {known} (tolerance {tolerance:.0%})", facts=facts)
    return passed("gpu.nbody.performance", facts)


def nvidia_smi_gpu(smi, ran_on: str | None = None) -> Verdict:
    """gpu.nvidia_smi.gpu: nvidia-smi in WSL lists a GPU, and (when nbody ran) the one nbody ran on."""
    if smi.error or not smi.gpu_names:
        return failed("gpu.nvidia_smi.gpu", f"nvidia-smi in WSL sees no GPU: {smi.error or 'no GPU rows'}")
    if ran_on is not None and not any(same_gpu(name, ran_on) for name in smi.gpu_names):
        return failed("gpu.nvidia_smi.gpu", f"nvidia-smi sees {', '.join(smi.gpu_names)}, nbody ran on {ran_on}")
    return passed("gpu.nvidia_smi.gpu")


def same_gpu(smi_name: str, nbody_name: str) -> bool:
    """nvidia-smi's table cuts a long name to its column ("NVIDIA GeForce RTX 4070 ..."); older drivers
    and samples drop the "NVIDIA " prefix on one side only ("GeForce RTX 2070")."""
    smi_name, nbody_name = smi_name.strip(), nbody_name.strip()
    if smi_name.endswith("..."):
        return nbody_name.startswith(smi_name[:-3].rstrip()) or ("NVIDIA " + nbody_name).startswith(smi_name[:-3].rstrip())
    return smi_name in nbody_name or nbody_name in smi_name
