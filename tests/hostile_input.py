"""Hostile machines for the adversarial tests: payload families, and snapshots that carry one in every field.

A snapshot here is a bundled one (fixtures/snapshots) with a payload put in each place a machine's own
text reaches a report or the terminal: the recorded metadata (hostname, distro, user, recorded_at, the
free-text fields), the kernel release, the GPU name (nbody, nvidia-smi), the toolkit's and Docker's
versions, the Windows product line, the default distro's name (which the fixes fill in), and a line in
every failed command's stderr (evidence). Each bundled base breaks something different, so failures, fixes filled
with machine values, blocked checks, the nbody chart and the known causes all get their share.
"""

from __future__ import annotations

import json

from suite_run import SNAPSHOTS

# HTML/JS: each calls pwn(N) (tests/security/test_hostile_pages.py defines it in every frame) if it ever runs.
# `{n}` is the payload's id. The first group has no space (it must survive a token: a kernel release, a distro).
HTML_NO_SPACE = [
    "<img/src/onerror=pwn({n})>",
    "<svg/onload=pwn({n})>",
    "<iframe/srcdoc=&lt;script&gt;pwn({n})&lt;/script&gt;>",
    "\"><script>pwn({n})</script>",
    "'><script>pwn({n})</script>",
    "</title><script>pwn({n})</script>",
    "</textarea></style><script>pwn({n})</script>",
    "<details/open/ontoggle=pwn({n})>",
    "\"/autofocus/onfocus=pwn({n})//",
    "javascript:pwn({n})",
    "<style>@import'http://example.invalid/css{n}';</style>",
    "<meta/http-equiv=refresh/content=0;url=javascript:pwn({n})>",
]
HTML_SPACED = [
    "<img src=x onerror=\"pwn({n})\">",
    "<svg onload='pwn({n})'>",
    "<iframe srcdoc=\"<script>pwn({n})</script>\"></iframe>",
    "' onmouseover='pwn({n})' autofocus onfocus='pwn({n})' x='",
    "\" onmouseover=\"pwn({n})\" autofocus onfocus=\"pwn({n})\" x=\"",
    "<a href=\"javascript:pwn({n})\" id=jslink{n}>click</a>",
    "<input autofocus onfocus=pwn({n})>",
    "<base href=\"http://example.invalid/base{n}/\"><img src=\"rel{n}.png\">",
    "<!-- <script>pwn({n})</script> -->",
    "<object data=\"javascript:pwn({n})\"></object>",
    "<math><mtext><table><mglyph><style><img src=x onerror=pwn({n})>",
    "<script>pwn({n})</script>",
]
HTML_PAYLOADS = [a + " " + b for a, b in zip(HTML_NO_SPACE, HTML_SPACED)]  # both groups, a pair per snapshot

# Terminal: what a terminal would obey (ECMA-48 C0/C1 controls, OSC, CSI; Unicode bidi controls).
TERMINAL_PAYLOADS = [
    "\x1b]0;PWNED TITLE\x07",  # OSC 0: the window title
    "\x1b[2J\x1b[H",  # erase the screen, cursor home
    "\x1b]8;;http://evil.invalid/\x1b\\innocent link\x1b]8;;\x1b\\",  # OSC 8 hyperlink
    "\rCERTIFIED                                  ",  # CR: overwrite the line
    "\x1b[8mhidden text\x1b[28m",  # SGR 8: concealed
    "rm -rf ~\x08\x08\x08\x08\x08\x08\x08\x08ls     ",  # backspaces erase what was shown
    "\x07\x00\x7f\x0b\x0c",  # BEL, NUL, DEL, VT, FF
    "\x9b2J\x9d0;C1 title\x9c\x85",  # C1: one-byte CSI, OSC, ST, NEL
    "\u202eTIFITREC\u202c \u2067isolate\u2069 \u200f",  # bidi override, isolate, mark
    "\u2028line separator\u2029",
]
# Each payload's start as a terminal-safe program writes it (its controls as escapes; the whole payload may
# be cut or lose its spaces on the way, in a parser's token or a shortened message).
TERMINAL_MARKS = [r"\x1b]0;PWNED", r"\x1b[2J", r"\x1b]8;;http", r"\rCERTIFIED", r"\x1b[8mhidden", r"~\x08\x08",
                  r"\x7f", r"\x9b2J", r"\u202eTIFITREC", r"\u2028line"]
# Characters none of the four programs may pass through from their input (ESC, CR, C0 but \t \n, DEL, C1, bidi).
FORBIDDEN = set(map(chr, [*range(0, 9), *range(11, 32), *range(0x7F, 0xA0)])) | set(
    "\u061c\u200e\u200f\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

BASES = ["broken-toolkit-missing", "broken-not-in-docker-group", "broken-nbody-slow", "broken-old-kernel"]
KERNEL, GPU, TOOLKIT, DOCKER, WINDOWS = "4.19.128-microsoft-standard", "GeForce RTX 2070", "1.3.0-1", "19.03.13", "Microsoft Windows"


def bundled(name: str) -> dict:
    """A bundled snapshot with its `extends` chain merged (the loader's own merge)."""
    from wslgpu_certify.hosts.snapshot import load_snapshot

    return load_snapshot(SNAPSHOTS / f"{name}.json").to_json()


def hostile_snapshot(base: str, index: int, payload: str, token: str | None = None, old_kernel: bool = False,
                     hostile_distro: bool = True) -> dict:
    """`base` with `payload` in every field that reaches a report; `token` (default: the payload) where a
    parser reads one whitespace-free token (kernel release, distro name). The hostname starts with a
    distinct `h<index>-` so that each snapshot is its own machine. `old_kernel`: a release older than every
    profile's, so that a failure message quotes it (the token) on every machine. `hostile_distro`: the distro's
    name carries the token too; the suite then refuses to put that name into a command (probes/arguments.py),
    so the probes that name the distro (the kernel among them) are not run on that machine."""
    token = payload if token is None else token
    kernel = "4.19.84-microsoft-standard" if old_kernel else KERNEL
    swaps = ((KERNEL, f"{kernel}{token}"), (GPU, payload.replace('"', "'")), (f"{TOOLKIT}\t", f"{TOOLKIT}{payload}\t"),
             (DOCKER, f"{DOCKER}{token}"), (WINDOWS, f"{payload} {WINDOWS}"), *((("Ubuntu", f"Ubuntu{token}"),) if hostile_distro else ()))

    def swap(text: str) -> str:
        for plain, hostile in swaps:
            text = text.replace(plain, hostile)
        return text

    snapshot = bundled(base)
    snapshot["hosts"] = {role: {swap(command): {**record, "stdout": swap(record.get("stdout") or ""),
                                                "stderr": swap(record.get("stderr") or "") + _complaint(record, payload)}
                                for command, record in commands.items()}
                         for role, commands in snapshot["hosts"].items()}
    snapshot["metadata"].update({"hostname": f"h{index}-{payload}", "user": f"analyst{token}",
                                 "recorded_at": f"2020-11-24T10:15:00+00:00 {payload}",
                                 "description": payload, "platform": payload, "tool_version": payload})
    if "distro" in snapshot["metadata"]:
        snapshot["metadata"]["distro"] = swap(snapshot["metadata"]["distro"])
    return snapshot


def _complaint(record: dict, payload: str) -> str:
    """A failed command's stderr carries the payload too (evidence; a successful one's stays as recorded, so
    that its check still passes and the layers above it run)."""
    return f"\n{payload}\n" if record.get("exit_status") not in (0, None) else ""


def write_hostile_snapshots(folder, payloads: list[str], tokens: list[str] | None = None, old_kernel: bool = False,
                            plain_distro_every_other: bool = False) -> list[dict]:
    """One snapshot per payload, the bases taken in turn; returns the snapshots written.
    `plain_distro_every_other`: odd machines keep a plain distro name, so that their kernel is read and shown."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for index, payload in enumerate(payloads):
        snapshot = hostile_snapshot(BASES[index % len(BASES)], index, payload, tokens[index] if tokens else None, old_kernel,
                                    hostile_distro=not (plain_distro_every_other and index % 2))
        (folder / f"hostile-{index:02d}.json").write_text(json.dumps(snapshot), encoding="utf-8")
        written.append(snapshot)
    return written
