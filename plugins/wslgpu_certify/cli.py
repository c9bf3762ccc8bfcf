"""`wslgpu-certify`: certify this machine with the bundled checks, from any directory.

    wslgpu-certify --env=wsl [any pytest option]     # runs pytest on the bundled checks
    wslgpu-certify --version
    wslgpu-certify --list-checks [--layer LAYER]
    wslgpu-certify diagnose [FILE|-] [--json]          # known causes in output pasted into a ticket
    wslgpu-certify fix RESULTS.json|SNAPSHOT [--out DIR]  # fix-distro.sh + fix-windows.ps1 to review (never run)
    python -m wslgpu_certify ...                     # the same

Every option other than ours is passed to pytest unchanged; select checks with --layer,
--check or -k (paths are not needed: the bundled checks are always the ones run).
"""

from __future__ import annotations

import sys

from . import __version__


def list_checks(argv: list[str]) -> int:
    from .catalog import load_checks
    from .findings import LAYERS

    layers = [argv[i + 1] for i, a in enumerate(argv[:-1]) if a == "--layer"]
    specs = sorted(load_checks().values(), key=lambda s: (LAYERS.index(s.layer), s.id))
    for spec in specs:
        if not layers or spec.layer in layers:
            print(f"{spec.id:<48} {spec.layer:<8} {spec.title}")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["diagnose"]:
        from .diagnose import main as diagnose

        return diagnose(argv[1:])
    if argv[:1] == ["fix"]:
        from .fix_script import main as fix_script

        return fix_script(argv[1:])
    if "--version" in argv:
        print(f"wslgpu-certify {__version__}")
        return 0
    if "--list-checks" in argv:
        try:
            return list_checks(argv)
        except BrokenPipeError:  # `wslgpu-certify --list-checks | head`
            return 0
    import pytest

    from .catalog import bundled_checks_dir

    # Always the bundled checks (select with --layer, --check, -k); no cache folder inside site-packages.
    return int(pytest.main([str(bundled_checks_dir()), "-p", "no:cacheprovider", *argv]))


if __name__ == "__main__":
    sys.exit(main())
