"""One replay of the healthy machine by the tool, against a one-test run of pytest alone in a clean venv.

    python bench/startup_bench.py [--snapshot NAME|PATH] [--runs N] [--max-ratio R] [--clean-venv DIR]
                                  [--fresh-install DIR] [--autoload]

Both commands run N times (default 9), interleaved (so a busy machine slows both alike), each a fresh process:
  * pytest alone: `pytest -q test_one.py` (one passing test) with the `pytest` of a clean venv that holds
    pytest only (the same version as ours; made in a temporary folder with `python -m venv` + pip, or
    --clean-venv DIR to reuse one);
  * replay: `wslgpu-certify --snapshot documented-healthy --reports-dir TMP` with the `wslgpu-certify` beside
    this Python (the environment as installed: the tool loads the pytest plugins it needs itself, cli.py), or
    with --fresh-install DIR the one of a venv holding only this checkout, installed (`pip install .`) with its
    dependencies and the clean venv's pytest release: what a user's `pipx install` gets, without this environment's other packages and .pth files;
  * with --autoload, also the same replay as the command ran it before it named its plugins (issue #24): plain
    `python -m pytest CHECKS -p no:cacheprovider --snapshot ...`, every installed pytest plugin autoloaded.
Bytecode is cached for both (a temporary PYTHONPYCACHEPREFIX, one warm-up run each; some CI images set
PYTHONDONTWRITEBYTECODE, which would recompile every source on every run).
Prints the median wall time of each, their ratio (issue #24's target: <= 2x), and the CPU time
(user + system of the child) for reference; with --max-ratio, exits 1 when the wall ratio is above it.
Figures only: tests/ never asserts timing.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path


def clean_venv(folder: Path) -> Path:
    """A venv with nothing but pytest (this environment's version) in FOLDER; its `pytest` script."""
    script = folder / "bin" / "pytest"
    if not script.exists():
        subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
        subprocess.run([str(folder / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                        f"pytest=={metadata.version('pytest')}"], check=True, stdout=subprocess.DEVNULL)
    return script


def timed(argv: list[str], env: dict, cwd: Path) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds of the child, exit status) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    rc = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, check=False, stdin=subprocess.DEVNULL).returncode
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), rc


def fresh_install(folder: Path) -> Path:
    """A venv with this checkout installed (not editable) and its dependencies; its `wslgpu-certify` script."""
    script = folder / "bin" / "wslgpu-certify"
    if not script.exists():
        subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
        # the same pytest as the clean venv's: the ratio compares the suite's work, not two pytest releases
        subprocess.run([str(folder / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                        str(Path(__file__).resolve().parents[1]), f"pytest=={metadata.version('pytest')}"],
                       check=True, stdout=subprocess.DEVNULL)
    return script


def measure(snapshot: str, runs: int, venv: Path, autoload: bool = False, installed: Path | None = None) -> dict:
    tool = (str(fresh_install(installed)) if installed is not None else
            shutil.which("wslgpu-certify", path=str(Path(sys.executable).parent)) or "wslgpu-certify")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "one").mkdir()
        (tmp / "one" / "test_one.py").write_text("def test_one():\n    assert True\n")
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE" and not k.startswith("PYTEST_")}
        env["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
        commands = {
            "pytest alone": ([str(clean_venv(venv)), "-q", "test_one.py"], tmp / "one"),
            "replay": ([tool, "--snapshot", snapshot, "--reports-dir", str(tmp / "reports")], tmp),
        }
        if autoload:
            from wslgpu_certify.catalog import bundled_checks_dir

            commands["autoloaded"] = ([sys.executable, "-m", "pytest", str(bundled_checks_dir()), "-p", "no:cacheprovider",
                                       "--snapshot", snapshot, "--reports-dir", str(tmp / "reports")], tmp)
        for argv, cwd in commands.values():  # warm-up: bytecode written once
            _, _, rc = timed(argv, env, cwd)
            if rc != 0:
                raise SystemExit(f"{' '.join(argv)} exited {rc}")
        samples = {name: [] for name in commands}
        for _ in range(runs):
            for name, (argv, cwd) in commands.items():
                samples[name].append(timed(argv, env, cwd))
    figures = {name: {"wall": statistics.median(s[0] for s in values), "cpu": statistics.median(s[1] for s in values)}
               for name, values in samples.items()}
    figures["ratio"] = {kind: figures["replay"][kind] / figures["pytest alone"][kind] for kind in ("wall", "cpu")}
    if autoload:
        figures["autoloaded ratio"] = {kind: figures["autoloaded"][kind] / figures["pytest alone"][kind]
                                       for kind in ("wall", "cpu")}
    return figures


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--snapshot", default="documented-healthy")
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--max-ratio", type=float, default=None)
    parser.add_argument("--clean-venv", type=Path, default=None, help="reuse (or make) the clean venv here")
    parser.add_argument("--fresh-install", type=Path, default=None,
                        help="replay with the tool of a venv holding only this checkout, installed (made here if absent)")
    parser.add_argument("--autoload", action="store_true", help="also the replay with every installed plugin autoloaded")
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        figures = measure(opts.snapshot, opts.runs, opts.clean_venv or Path(tmp) / "venv", opts.autoload,
                          opts.fresh_install)
    for name in ("pytest alone", "replay", "autoloaded")[:3 if opts.autoload else 2]:
        print(f"{name:<13} {figures[name]['wall'] * 1000:6.0f} ms wall  {figures[name]['cpu'] * 1000:6.0f} ms CPU"
              f"  (median of {opts.runs}, interleaved)")
    print(f"ratio: {figures['ratio']['wall']:.2f}x wall, {figures['ratio']['cpu']:.2f}x CPU"
          f"  (replay of {opts.snapshot} / a one-test pytest run in a clean venv)")
    if opts.autoload:
        print(f"autoloaded: {figures['autoloaded ratio']['wall']:.2f}x wall, {figures['autoloaded ratio']['cpu']:.2f}x CPU"
              "  (the same replay with every installed pytest plugin loaded)")
    if opts.max_ratio is not None and figures["ratio"]["wall"] > opts.max_ratio:
        print(f"above the target: {figures['ratio']['wall']:.2f}x > {opts.max_ratio}x", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
