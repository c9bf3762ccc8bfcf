"""Machine and paste text on the terminal: control characters shown (`\\x1b`), never obeyed, in all four programs.

The payload family (tests/hostile_input.py TERMINAL_PAYLOADS: OSC title, screen clear, OSC 8 link, CR over a
line, SGR 8, backspaces, BEL/NUL/DEL, C1 CSI/OSC/NEL, bidi overrides and isolates, U+2028) goes through the
suite (one replay of a folder of hostile snapshots, with pytest's colours on), `diagnose` (a hostile paste),
`wslgpu-compare` (two hostile results.json) and `wslgpu-fleet` (over the hostile run). No character of
FORBIDDEN reaches stdout or stderr, except the escape sequences of the programs' own colours; the payloads are
there, written visibly; `diagnose --json` still carries the exact text.
"""

from __future__ import annotations

import json
import re

import pytest

from hostile_input import FORBIDDEN, TERMINAL_MARKS, TERMINAL_PAYLOADS, write_hostile_snapshots
from suite_run import make_runner
from wslgpu_certify.terminal_text import for_terminal, json_for_terminal

SGR = re.compile(r"\x1b\[([0-9;]*)m")  # Select Graphic Rendition: the colours pytest's markup writes
TOKENS = [p.replace(" ", "") for p in TERMINAL_PAYLOADS]  # where a parser reads one token (kernel, distro)


def raw_controls(text: str) -> list[str]:
    """The forbidden characters in a program's output, once its own colours (SGR, not SGR 8) are taken out."""
    concealed = [m.group() for m in SGR.finditer(text) if "8" in m.group(1).split(";")]
    return concealed + sorted({repr(c) for c in SGR.sub("", text) if c in FORBIDDEN})


def shown(output: str) -> list[str]:
    """The payloads whose start, written visibly, is in the output."""
    return [mark for mark in TERMINAL_MARKS if mark in output]


@pytest.mark.parametrize("payload", TERMINAL_PAYLOADS)
def test_each_control_is_shown_not_sent(payload):
    for one_line in (False, True):
        visible = for_terminal(f"host {payload} end", one_line=one_line)
        assert raw_controls(visible) == [] and visible.startswith("host ") and visible.endswith(" end")
    assert raw_controls(payload) != []  # the check above can fail: the payload itself is caught


def test_benign_text_is_unchanged_and_json_stays_exact():
    benign = "Ubuntu 20.04 \u2014 GeForce RTX\u2122 2070, 25 \u00b0C\n\tC:\\Users\\analyst \u65e5\u672c\u8a9e \U0001f600"
    assert for_terminal(benign) == benign
    assert for_terminal("a\nb", one_line=True) == "a\\nb" and for_terminal(42) == "42"
    assert for_terminal("\ud800") == "\\ud800"  # a lone surrogate: shown, and print() can encode the result
    document = json.dumps({"payloads": TERMINAL_PAYLOADS, "benign": benign}, ensure_ascii=False)
    safe = json_for_terminal(document)
    assert json.loads(safe) == json.loads(document) and raw_controls(safe) == []
    assert "\u2014" in safe  # what is not a control stays as it was


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    """The suite over a folder of snapshots, one payload each (in every field), with pytest's colours on."""
    root = tmp_path_factory.mktemp("terminal")
    snapshots = write_hostile_snapshots(root / "snapshots", TERMINAL_PAYLOADS, TOKENS, old_kernel=True)
    run = make_runner(root)("--snapshot", str(root / "snapshots"), "--color=yes", "-rA")
    results = sorted(run.reports.glob("*/results.json"))
    assert len(results) == len(snapshots), run.output[-3000:]
    return run, results


def test_the_suite_shows_controls_and_keeps_its_colours(hostile_run):
    run, _ = hostile_run
    assert raw_controls(run.output) == []
    assert "\x1b[31m" in run.output or "\x1b[1m\x1b[31m" in run.output  # its own red (FAIL lines) still works
    assert len(shown(run.output)) == len(TERMINAL_PAYLOADS), run.output[-3000:]


def test_compare_shows_controls(hostile_run, capsys):
    from wslgpu_certify.compare import main

    _, results = hostile_run
    codes = [main([str(old), str(new)]) for old, new in zip(results, results[1:])]
    out, err = capsys.readouterr()
    assert set(codes) <= {0, 1} and raw_controls(out + err) == []
    assert len(shown(out)) >= len(TERMINAL_PAYLOADS) - 1, out  # every newer run's hostname, at least


def test_fleet_shows_controls(hostile_run, tmp_path, capsys):
    from wslgpu_certify.fleet.cli import main

    run, _ = hostile_run
    main(["collect", str(run.reports), "--out", str(tmp_path / "fleet")])
    out, err = capsys.readouterr()
    assert raw_controls(out + err) == [] and shown(out), out


def hostile_paste() -> str:
    """A ticket's paste: nvidia-smi, uname, a docker error and an unknown command, each carrying payloads."""
    lines = []
    for i, payload in enumerate(TERMINAL_PAYLOADS):
        lines += [f"$ docker run --rm --gpus all nbody{i}",
                  f"docker: Error response from daemon: could not select device driver \"\" with capabilities: "
                  f"[[gpu]] {payload}.",
                  f"$ uname -r", f"5.10.16.3-microsoft-standard-WSL2{TOKENS[i]}",
                  f"$ frobnicate {payload}", f"{payload} unknown output {i}"]
    return "\n".join(lines) + "\n"


def test_diagnose_shows_controls_and_json_keeps_them(tmp_path, capsys):
    from wslgpu_certify.diagnose import main

    paste = tmp_path / "ticket.txt"
    paste.write_text(hostile_paste(), encoding="utf-8")
    main([str(paste)])
    text, err = capsys.readouterr()
    assert raw_controls(text + err) == [], text
    # the paste reader itself takes a CR for a line end (a CRLF paste) and drops SGR colours (a coloured
    # terminal's copy): those two never reach a line; every other payload is quoted back, visibly
    assert set(TERMINAL_MARKS) - set(shown(text)) == {r"\rCERTIFIED", r"\x1b[8mhidden"}, text

    main([str(paste), "--json"])
    out, err = capsys.readouterr()
    assert raw_controls(out + err) == []
    commands = [part["command"] for part in json.loads(out)["parts"] if (part["command"] or "").startswith("frobnicate")]
    assert len(commands) == len(TERMINAL_PAYLOADS)
    # --json: the exact text the reader kept, its controls raw once decoded; the text shows the same, escaped
    assert sum(bool(raw_controls(command)) for command in commands) == len(TERMINAL_PAYLOADS) - 2, commands
    assert all(for_terminal(f"`{command[:70]}`") in text for command in commands), commands
