"""`wslgpu-certify diagnose [FILE|-] [--json] [--cert-profile NAME]`: known problems in output pasted into a ticket.

    split.py      a paste -> its parts, at the prompt lines that typed each command
    recognise.py  which probed command each part came from (KINDS: command, shape, parser, decider)
    decide.py     which judge, on which record: facts, and the verdicts of the checks' own judges (judges/)
    explain.py    a finding: cause, fix and source, from the check catalog or the known-causes catalog
    diagnosis.py  the whole paste: parts, readings, signatures, findings in layer order
    render.py     text, or one JSON document

Exit status: 0 no known problem, 1 a finding, 2 nothing could be read or recognised, 4 bad usage.
"""

from __future__ import annotations

import sys

USAGE = "usage: wslgpu-certify diagnose [FILE|-] [--json] [--cert-profile NAME]"
# --cert-profile auto (the default): documented for a paste showing the guide's 2020 build or 4.19 kernel,
# current-desktop for Docker Desktop's `docker info`, else current (profile_choice.py, the run's own rule).


def _arguments(argv: list[str]):
    path, as_json, profile = None, False, "auto"
    args = list(argv)
    while args:
        arg = args.pop(0)
        if arg in ("-h", "--help"):
            return "help"
        if arg == "--json":
            as_json = True
        elif arg == "--cert-profile" or arg.startswith("--cert-profile="):
            value = arg.partition("=")[2] if "=" in arg else (args.pop(0) if args else "")
            if not value:
                return "--cert-profile needs a profile name"
            profile = value
        elif arg.startswith("-") and arg != "-":
            return f"unknown option {arg}"
        elif path is not None:
            return f"one FILE only (got {path} and {arg})"
        else:
            path = arg
    return path, as_json, profile


def _read_input(path: str | None) -> bytes:
    if path in (None, "-"):
        return sys.stdin.buffer.read()
    with open(path, "rb") as handle:
        return handle.read()


def main(argv: list[str] | None = None) -> int:
    parsed = _arguments(sys.argv[1:] if argv is None else argv)
    if parsed == "help":
        print(USAGE)
        print(__doc__.split("\n\n", 1)[0])
        return 0
    if isinstance(parsed, str):
        print(f"wslgpu-certify diagnose: {parsed} ({USAGE})", file=sys.stderr)
        return 4
    path, as_json, profile_name = parsed
    if path is None and getattr(sys.stdin, "isatty", lambda: False)():  # nothing piped in: say how, never wait silently
        print(f"{USAGE}\n  FILE: a saved ticket or terminal output; `-` or a pipe: standard input "
              f"(e.g. `wslgpu-certify diagnose < paste.txt`)", file=sys.stderr)
        return 4
    try:
        from ..profile import ProfileError, load_profile

        try:
            profile = None if profile_name == "auto" else load_profile(profile_name)  # auto: what the paste shows
        except ProfileError as exc:
            print(f"wslgpu-certify diagnose: {exc}", file=sys.stderr)
            return 4
        try:
            raw = _read_input(path)
        except OSError as exc:
            print(f"wslgpu-certify diagnose: cannot read {path}: {exc.strerror or exc}", file=sys.stderr)
            return 2
        from .diagnosis import diagnose
        from ..terminal_text import for_terminal, json_for_terminal
        from .render import as_json as render_json, as_text

        diagnosis = diagnose(raw, profile)
        # the paste's own text is quoted back: shown, never obeyed by the terminal (--json: the exact text, escaped)
        print(json_for_terminal(render_json(diagnosis)) if as_json else for_terminal(as_text(diagnosis)))
        return diagnosis.exit_code
    except BrokenPipeError:  # `... diagnose x | head`
        return 0
    except KeyboardInterrupt:
        return 2
    except Exception as exc:  # never a traceback for a ticket's paste: one line, and say what broke
        print(for_terminal(f"wslgpu-certify diagnose: could not diagnose this input ({type(exc).__name__}: {exc})"[:300],
                           one_line=True), file=sys.stderr)
        return 2
