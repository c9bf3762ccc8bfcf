"""`wslgpu-certify`: certify this machine with the bundled checks, from any directory (USAGE below).

Every option other than ours is passed to pytest unchanged; select checks with --layer,
--check or -k (paths are not needed: the bundled checks are always the ones run).
"""

from __future__ import annotations

import sys

from . import __version__
from .terminal_text import closed_pipe_ends_quietly

USAGE = """\
usage: wslgpu-certify [OPTIONS]              certify this machine (WSL 2 + NVIDIA + Docker GPU set-up)
       wslgpu-certify --snapshot FILE|DIR|NAME   certify a recorded machine (or each in DIR) offline;
                                         NAME: a bundled example (documented-healthy, --list-snapshots)
       wslgpu-certify diagnose [FILE|-]      known problems in output pasted into a ticket (--json)
       wslgpu-certify fix RESULTS|SNAPSHOT   fix-distro.sh + fix-windows.ps1 to review (never run; --out DIR)
       wslgpu-certify --list-checks [--layer LAYER]

main options:
  --env ENV              auto (default), wsl (inside the distro), windows (from Windows), linux, replay
  --cert-profile NAME    what the machine is held to:
                           auto (default): a snapshot's recorded profile, else the one that fits the machine
                           documented: the guide exactly (Windows 10 Insider 20201, kernel 4.19)
                           current: Windows 10 21H2+/Windows 11, Store WSL, Docker Engine in the distro
                           current-desktop: current, with Docker Desktop's WSL 2 engine
                           PATH.toml: a site profile (`extends = "current"`, then what differs)
  --layer LAYER          only this layer, on purpose: windows, wsl, docker, gpu, jupyter, rstudio, rpy2
  --check ID             only checks whose id is ID or starts with ID. (a selection, not a certification)
  --record FILE          also record every command read into a snapshot (secrets redacted)
  --reports-dir DIR      where run folders go (default: reports/): results.json, report.html, junit.xml
  --pull                 pull a guide image that is missing locally
  --machine-id ID        the machine's name in results.json and its folder (default: the hostname)
  --probe-timeout SEC    a command running longer fails its check (default: 60)
  -k EXPR, -x, -n N      pytest's own: select by name, stop at the first failure, run in N processes
  -V, --version          this tool's version
  --help-pytest          every option pytest itself offers

exit status: 0 certified, 1 not certified or partial, 4 bad usage
see also: wslgpu-compare OLD NEW (what changed between two runs of a machine),
          wslgpu-fleet collect DIR (every machine of a fleet in one page)"""


def list_checks(argv: list[str]) -> int:
    from .catalog import load_checks, selection_error
    from .findings import LAYERS

    layers = [argv[i + 1] for i, a in enumerate(argv[:-1]) if a == "--layer"]
    layers += [a.partition("=")[2] for a in argv if a.startswith("--layer=")]
    unknown = selection_error(layers, None)
    if unknown:
        print(f"wslgpu-certify: {unknown}", file=sys.stderr)
        return 4
    specs = sorted(load_checks().values(), key=lambda s: (LAYERS.index(s.layer), s.id))
    for spec in specs:
        if not layers or spec.layer in layers:
            print(f"{spec.id:<48} {spec.layer:<8} {spec.title}")
    return 0


def _run(argv: list[str]) -> int:
    if argv[:1] == ["diagnose"]:
        from .diagnose import main as diagnose

        return diagnose(argv[1:])
    if argv[:1] == ["fix"]:
        from .fix_script import main as fix_script

        return fix_script(argv[1:])
    if "--help-pytest" in argv:  # pytest's own help, with our options among its plugins'
        argv = [a for a in argv if a != "--help-pytest"] + ["--help"]
    elif "-h" in argv or "--help" in argv:
        print(USAGE)
        return 0
    if "-V" in argv or "--version" in argv:
        print(f"wslgpu-certify {__version__}")
        return 0
    if "--list-checks" in argv:
        return list_checks(argv)
    if "--list-snapshots" in argv:  # the bundled example machines, each replayable by name
        from .hosts.snapshot import bundled_snapshot_names

        print("\n".join(bundled_snapshot_names()))
        return 0
    from .heap import paused_while_starting

    with paused_while_starting():  # what start-up builds lives as long as the run (heap.py)
        from .catalog import bundled_checks_dir
        from .tool_plugins import run_pytest

        # Always the bundled checks (select with --layer, --check, -k); no cache folder inside site-packages;
        # the plugins this run needs, not every one installed (tool_plugins.py).
        return run_pytest(bundled_checks_dir(), argv)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    return closed_pipe_ends_quietly(lambda: _run(argv))


if __name__ == "__main__":
    sys.exit(main())
