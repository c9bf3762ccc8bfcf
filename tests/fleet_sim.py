"""A simulated fleet: seeded machines written as results folders, damage, and a previous night.

No real fleet exists here, so the fleet tests and bench/fleet_collect.py build one. Each machine
gets a GPU model (its nbody GFLOP/s drawn around the model's figure), versions (driver, Windows
build, kernel, Docker, toolkit), and maybe one broken check; every version list has one value
whose machines fail a check, so the version spread has a failure rate to find. Documents are
written in results format 3 (docs/results.md) directly from the catalog's checks (checks/*.toml),
one per machine, in the layout a fan-out engine leaves (fleet/discover.py).
"""

from __future__ import annotations

import json
import random
import shutil
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

REPO = Path(__file__).resolve().parents[1]
LAYERS = ("windows", "wsl", "docker", "gpu", "jupyter", "rstudio", "rpy2")
NIGHT = datetime(2026, 11, 30, 2, 30, tzinfo=timezone.utc)
MODELS = (("NVIDIA RTX A4000", 6100.0), ("NVIDIA GeForce RTX 3090", 11800.0), ("NVIDIA RTX A6000", 13500.0),
          ("GeForce RTX 2070", 4023.3))
# fact -> (values, (the broken value, the check it fails, the message))
VERSIONS = {
    "driver": (("512.15", "516.94", "528.49"), ("510.06", "gpu.nvidia_smi.driver", "nvidia-smi: driver 510.06 has no CUDA 12 support")),
    "windows_build": (("22621.1265", "19045.2604", "22631.2428"), ("20231.1000", "windows.build", "Windows build 20231 is known to break GPU compute in WSL")),
    "kernel": (("5.15.133.1-microsoft-standard-WSL2", "5.15.146.1-microsoft-standard-WSL2"), ("4.19.84-microsoft-standard", "windows.wsl.kernel", "WSL kernel 4.19.84-microsoft-standard does not satisfy >=4.19.128")),
    "docker": (("Docker Engine - Community 24.0.7", "Docker Engine - Community 25.0.3"), ("Docker Desktop 4.27.1", "wsl.dockerd.running", "no dockerd runs in the distro; docker talks to Docker Desktop")),
    "toolkit": (("1.14.3-1", "1.14.6-1", "1.15.0-1"), ("1.3.0-1", "docker.runtime.registered", "`docker info` lists runtimes runc, without nvidia")),
}
FIXED = {"wsl_version": "2.1.5.0", "cuda": "12.3", "distribution": "ubuntu22.04"}
BROKEN_RATE = 0.08  # per version fact: the share of machines with the broken value
SLOW_RATE = 0.03  # machines whose GPU is slow for its model (the nbody check fails)


def catalog() -> list[tuple[str, str, str]]:
    """(id, layer, title) of every bundled check, in layer order."""
    checks = []
    for layer in LAYERS:
        data = tomllib.loads((REPO / "checks" / f"{layer}.toml").read_text(encoding="utf-8"))
        checks += [(cid, layer, body.get("title", cid)) for cid, body in data.items() if isinstance(body, dict) and "title" in body]
    return checks


CHECKS = catalog()
ORDER = {cid: i for i, (cid, _, _) in enumerate(CHECKS)}


@dataclass
class SimMachine:
    name: str
    model: str
    baseline: float
    gflops: float
    facts: dict
    broken: list = field(default_factory=list)  # (check id, message), in catalog order

    @property
    def certified(self) -> bool:
        return not self.broken


def make_fleet(n: int, seed: int = 7, prefix: str = "ws") -> list[SimMachine]:
    rng = random.Random(seed)
    machines = []
    for i in range(n):
        model, figure = MODELS[rng.randrange(len(MODELS))]
        facts, broken = dict(FIXED), []
        for fact, (values, (bad, check_id, message)) in VERSIONS.items():
            if rng.random() < BROKEN_RATE:
                facts[fact] = bad
                broken.append((check_id, message))
            else:
                facts[fact] = rng.choice(values)
        gflops = round(figure * rng.uniform(0.95, 1.05), 1)
        if rng.random() < SLOW_RATE:
            gflops = round(figure * 0.55, 1)
            broken.append(("gpu.nbody.performance", f"{gflops} GFLOP/s is 45 % under the {figure} GFLOP/s baseline"))
        broken.sort(key=lambda b: ORDER[b[0]])
        machines.append(SimMachine(f"{prefix}-{i:04d}", model, figure, gflops, facts, broken))
    return machines


def document(m: SimMachine, run_id: str | None, finished: datetime = NIGHT, padding: int = 1000) -> dict:
    """A results.json of format 3 for the machine (each check with an evidence excerpt of about `padding` bytes)."""
    failed = dict(m.broken)
    checks, counts = [], {"passed": 0, "failed": 0, "skipped": 0, "error": 0, "warning": 0, "not_applicable": 0, "not_run": 0}
    for cid, layer, title in CHECKS:
        outcome = "failed" if cid in failed else "passed"
        counts[outcome] += 1
        checks.append({"id": cid, "layer": layer, "title": title, "outcome": outcome, "message": failed.get(cid, ""),
                       "remediation": {"why": "simulated", "summary": f"fix {cid}", "steps": [], "commands": [f"fix {cid}"],
                                       "where": "the distro", "links": []} if outcome == "failed" else None,
                       "evidence": [{"role": "wsl", "command": f"probe {cid}", "exit_status": 0,
                                     "excerpt": (f"{m.name} {cid} " * 40)[:padding], "duration": 0.01}],
                       "figures": {}, "duration": 0.01, "blocked_by": None, "blocked_by_failure": False, "known_causes": []})
    verdict = "NOT CERTIFIED" if m.broken else "CERTIFIED"
    facts = {**m.facts, "gpu": f"{m.model} (compute capability 8.6)", "nbody_gflops": m.gflops, "nbody_baseline_gflops": m.baseline}
    return {"format": "wslgpu-certify-results/3", "tool_version": "0.1.0",
            "run": {"machine_id": m.name, "run_id": run_id, "started_at": (finished - timedelta(minutes=9)).isoformat(),
                    "finished_at": finished.isoformat(), "exit_status": 1 if m.broken else 0, "complete": True,
                    "state": "finished", "interrupted_by": None},
            "facts": facts, "finished_at": finished.isoformat(),
            "machine": {"hostname": m.name, "env": "wsl", "machine_env": "wsl", "profile": "current"},
            "complete": True, "verdict": verdict, "headline": verdict, "scope": "machine",
            "coverage": {"applicable": len(checks), "ran": len(checks), "passed": counts["passed"], "not_run": []},
            "counts": counts, "layers": {}, "checks": checks}


def machine_folder(root: Path, name: str, layout: str) -> Path:
    return root / (f"certification-{name}" if layout == "github" else name)


def write_machine(root: Path, m: SimMachine, run_id: str | None, layout: str = "ansible", **kw) -> Path:
    """Write the machine's results as `layout` leaves them; returns its results.json."""
    folder = machine_folder(root, m.name, layout)
    stamp = f"{kw.get('finished', NIGHT):%Y%m%dT%H%M%SZ}-{m.name}" + (f"-{run_id}" if run_id else "")
    runs = [folder / "latest"] if layout == "ansible" else [folder / stamp, folder / "latest"]
    text = json.dumps(document(m, run_id, **kw))
    for run in runs:
        run.mkdir(parents=True, exist_ok=True)
        (run / "results.json").write_text(text)
        (run / "report.html").write_text(f"<!DOCTYPE html><title>{m.name}</title>")
    return runs[-1] / "results.json"


def write_fleet(root: Path, machines, run_id: str | None, layout: str = "ansible", **kw) -> None:
    for m in machines:
        write_machine(root, m, run_id, layout, **kw)


# Damage: what a real night does to some folders. Each returns the fleet verdict it must cause.
def damage(root: Path, name: str, kind: str, layout: str = "ansible") -> str:
    folder = machine_folder(root, name, layout)
    results = sorted(folder.rglob("results.json"))
    if kind == "missing folder":
        shutil.rmtree(folder)
        return "NO REPORT"
    for path in results:
        text = path.read_text()
        doc = json.loads(text)
        if kind == "truncated file":
            path.write_text(text[: len(text) // 2])
        elif kind == "wrong format":
            doc["format"] = "wslgpu-certify-results/9"
        elif kind == "old timestamp":
            old = (NIGHT - timedelta(days=3)).isoformat()
            doc["run"]["finished_at"] = doc["run"]["started_at"] = doc["finished_at"] = old
        elif kind == "another run":
            doc["run"]["run_id"] = "999"
        elif kind == "complete false":
            doc["run"].update(complete=False, state="interrupted", interrupted_by="SIGTERM", finished_at=None, exit_status=None)
            doc["complete"] = False
        if kind != "truncated file":
            path.write_text(json.dumps(doc))
    return {"truncated file": "INVALID", "wrong format": "INVALID", "old timestamp": "STALE", "another run": "STALE",
            "complete false": "INCOMPLETE"}[kind]


def swap_ids(root: Path, a: str, b: str, layout: str = "ansible") -> None:
    """Each machine's folder gets the other's results (a copy step that mixed them up)."""
    fa, fb = machine_folder(root, a, layout), machine_folder(root, b, layout)
    tmp = fa.with_name(fa.name + ".swap")
    fa.rename(tmp)
    fb.rename(fa)
    tmp.rename(fb)
