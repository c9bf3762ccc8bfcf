"""A machine's facts (versions, GPU, nbody GFLOP/s) from its results.json.

Format 3 carries them at the top level (`facts`); format 2 only in its checks' `figures`,
so this table says which check's figure each fact is, first choice first. The fact names are
results_format.py's (the suite's run envelope, reports/envelope.py, writes the same ones).
"""

from __future__ import annotations

import re

from ..results_format import FACT_NAMES
from .untrusted import clip, is_number

# fact -> ((check id, figure key), ...), read from format 2's checks
FROM_FIGURES = {
    "windows_build": (("windows.build", "windows_build"),),
    "wsl_version": (("windows.wsl.store", "wsl"),),
    "kernel": (("wsl.kernel.version", "kernel"), ("windows.wsl.kernel", "kernel")),
    "driver": (("windows.nvidia.driver", "driver"),),
    "cuda": (("gpu.nvidia_smi.driver", "cuda"),),
    "docker": (("docker.engine.community", "docker"),),
    "toolkit": (("docker.package.nvidia-container-toolkit", "nvidia-container-toolkit"),),
    "distribution": (("wsl.os.release", "distribution"),),
    "gpu": (("gpu.nbody.device", "gpu"), ("jupyter.tensorflow.device_log", "gpu"), ("rstudio.keras.short_training", "gpu")),
    "nbody_gflops": (("gpu.nbody.performance", "nbody_gflops"),),
    "nbody_baseline_gflops": (("gpu.nbody.performance", "nbody_baseline_gflops"),),
}
NUMERIC = ("nbody_gflops", "nbody_baseline_gflops")
MAX_FACT = 200  # characters of a version or GPU name kept
VERSION_SPREAD = (("driver", "driver"), ("windows_build", "Windows build"), ("kernel", "kernel"),
                  ("docker", "Docker"), ("toolkit", "toolkit"))


def facts_from_figures(checks: list) -> dict:
    figures = {}
    for check in checks:
        if isinstance(check, dict) and isinstance(check.get("figures"), dict):
            figures[check.get("id")] = check["figures"]
    facts = {}
    for name, places in FROM_FIGURES.items():
        facts[name] = next((figures[cid][key] for cid, key in places
                            if cid in figures and figures[cid].get(key) not in (None, "")), None)
    return clean(facts)


def clean(facts) -> dict:
    """Every fact name present; numbers numeric, names short strings; anything else is null."""
    facts = facts if isinstance(facts, dict) else {}
    out = {}
    for name in FACT_NAMES:
        value = facts.get(name)
        if name in NUMERIC:  # finite, and within a float (an integer of 400 digits is not a GFLOP/s figure)
            out[name] = float(value) if is_number(value) and abs(value) < 1e300 else None
        elif isinstance(value, str) and value:
            out[name] = clip(value, MAX_FACT)
        else:
            out[name] = clip(str(value), MAX_FACT) if is_number(value) else None
    return out


def gpu_model(gpu: str | None) -> str | None:
    """`GeForce RTX 2070 (compute capability 7.5)` (nbody) and `GeForce RTX 2070` (TensorFlow) are one model."""
    if not gpu:
        return None
    return re.sub(r"\s*\(.*\)\s*$", "", gpu).strip() or None
