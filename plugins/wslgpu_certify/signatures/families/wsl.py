"""WSL's own error family: `Error code: Wsl/<context>/.../<code>` and bare HRESULTs, plus the warnings
wsl.exe prints before a command's output.

An HRESULT is 0xSFFFCCCC: S the severity bit (0x8...), FFF the facility, CCCC the code. WSL's own
codes are FACILITY_ITF (4) from 0x80040300 (WSL_E_*), the Host Compute Service's FACILITY 0x37
(HCS_E_*, 0x8037xxxx), and a Win32 error is wrapped as 0x8007XXXX, XXXX the Win32 code
(HRESULT_FROM_WIN32). Every code of data/wsl_codes.toml decodes by name and by value; an unknown
value is said as unknown with its facility. Sources are in the data files.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..matcher import Match
from .crash import ntstatus
from .tables import causes, causes_within, hit, lines_with, table
from ...lazy_regex import regex

WINERROR = "https://learn.microsoft.com/en-us/windows/win32/debug/system-error-codes"
# winerror.h's facility numbers for the facilities a WSL/Windows paste shows
# (https://learn.microsoft.com/en-us/windows/win32/api/winerror/ : FACILITY_*)
FACILITIES = {0: "FACILITY_NULL", 1: "FACILITY_RPC", 4: "FACILITY_ITF (interface-specific: WSL's own 0x800403xx)",
              7: "FACILITY_WIN32 (a Win32 error code)", 8: "FACILITY_WINDOWS", 9: "FACILITY_SECURITY",
              11: "FACILITY_CERT", 12: "FACILITY_INTERNET (WinINet downloads)", 25: "FACILITY_HTTP",
              49: "FACILITY_FVE (BitLocker)", 53: "FACILITY_HYPERVISOR",
              55: "FACILITY_VMCOMPUTE (the Host Compute Service that runs the WSL 2 VM)"}

# The label before the path is printed in the user's language (WSL's MessageErrorCode, "{}\nError code: {}", in
# localization/strings/<lang>/Resources.resw: "Foutcode:", "Fehlercode:", "Code d'erreur :", "Código de error:",
# "Kód chyby:", "エラー コード:", "错误代码:", ...); the `Wsl/<component>/.../<code>` path is not translated. So the
# path is read whatever label precedes it, but only as its own word: not inside a URL or file path
# (github.com/microsoft/Wsl/..., C:\\Wsl/...), and only when it ends in a code (below).
_PATH = regex(r"(?<![\w/\\.-])(Wsl(?:/[A-Za-z0-9_.-]{1,60}){1,12})")
_HEX = regex(r"(?<![0-9A-Za-z])0[xX]([89a-fA-F][0-9a-fA-F]{7})(?![0-9A-Za-z])")
_SIGNED = regex(r"(?:error|code|hresult|hr)\W{0,4}(-2[01]\d{8})(?!\d)", re.I)
_CODE_NAME = regex(r"[A-Z][A-Z0-9]*_[A-Z0-9_]+")  # how winerror.h spells a code: ERROR_X, WSL_E_X, E_X
_SHORT = regex(r"(?i:error|code)\W{1,3}0x([0-9a-fA-F]{1,4})(?![0-9A-Za-z])")
_CONTEXT = regex(r"error|fail|code|hresult|\bhr\b", re.I)


@lru_cache(maxsize=1)
def codes() -> tuple[dict[int, dict], dict[str, dict]]:
    """({HRESULT value: row}, {name: row}); a Win32 row is listed under 0x8007XXXX and its name."""
    data = table("wsl_codes")
    by_value, by_name = {}, {}
    for row in data["hresult"]:
        value = int(row["value"], 16)
        source = data["hcs_source"] if row["name"].startswith("HCS_E_") else (
            data["source"] if row["name"].startswith("WSL_E_") else WINERROR)
        entry = {**row, "value": value, "source": source}
        by_value.setdefault(value, entry)
        by_name[row["name"]] = entry
    for row in data["win32"]:
        value = 0x80070000 | row["number"]
        entry = {**row, "value": value, "source": WINERROR, "win32": row["number"]}
        by_value.setdefault(value, entry)
        by_name[row["name"]] = entry
    return by_value, by_name


def decode_value(value: int) -> dict:
    """What an HRESULT value is: its row, or an unknown code with its facility (and Win32 code)."""
    by_value, _ = codes()
    if value in by_value:
        return by_value[value]
    facility, code = (value >> 16) & 0x1FFF, value & 0xFFFF
    what = FACILITIES.get(facility, f"facility {facility:#x}")
    meaning = f"an HRESULT this project's tables do not list; {what}, code {code:#x}"
    if facility == 7:
        meaning += f" (Win32 error {code})"
    return {"name": f"0x{value:08X}", "value": value, "meaning": meaning, "source": WINERROR, "unknown": True}


def _cause_row(name: str, where: tuple[str, ...]) -> dict | None:
    """The code's cause here: a [[within]] row whose context the path shows, else its plain [[cause]] row. A row
    with `innermost = true` holds only where its context is the last one before the code (`Service/CreateInstance/X`,
    not `Service/CreateInstance/CreateVm/X`); `names = ["*"]` is any code met in that context (HNS's own codes)."""
    return next((row for row in causes_within("wsl_causes")
                 if (name in row["names"] or "*" in row["names"])
                 and set(row["contexts"]) & set(where[-1:] if row.get("innermost") else where)),
                causes("wsl_causes").get(name))


def _finding(row: dict, text: str, found: re.Match, context: str = "", where: tuple[str, ...] = ()) -> Match:
    cause_row = _cause_row(row["name"], where)
    value = f"0x{row['value']:08X}"
    head = row["name"] if row.get("unknown") else f"{row['name']} ({value}" + (
        f", Win32 error {row['win32']} wrapped as an HRESULT)" if "win32" in row else ")")
    cause = f"WSL error {head}{context}: {row['meaning']}."
    if cause_row:
        return hit("wsl", row["name"], cause_row["layer"], f"{cause} {cause_row['cause']}", cause_row["where"],
                   cause_row["steps"], cause_row["source"], "medium", text, found)
    return hit("wsl", row["name"], "wsl", cause, "Windows PowerShell", (), row["source"], "low", text, found)


@lru_cache(maxsize=1)
def messages() -> tuple[tuple[str, dict], ...]:
    """(WSL's printed text, lower-case; its row): WSL's own messages for its codes (long enough to be its own words)."""
    _, by_name = codes()
    return tuple((text.lower(), row) for row in by_name.values()
                 for text in (*row.get("printed", ()), row["meaning"] if _prints_meaning(row["name"]) else "")
                 if len(text) >= 30)


def _prints_meaning(name: str) -> bool:
    """WSL prints WSL_E_* meanings as its own words, and the system's text (FormatMessage) for HCS_E_* and Win32
    codes; a Win32 text is read only for a code with a cause here (its words alone then name a known failure)."""
    return name.startswith(("WSL_E_", "HCS_E_")) or (name.startswith("ERROR_") and name in causes("wsl_causes")
                                                    and name not in _GENERIC_TEXTS)


# Win32 texts any Windows program prints for its own reasons (docker's named pipe: "The system cannot find the file
# specified"): read as a code only with WSL's Error code line, never by their words alone
_GENERIC_TEXTS = {"ERROR_FILE_NOT_FOUND", "ERROR_PATH_NOT_FOUND", "ERROR_SERVICE_NOT_ACTIVE"}


def decode(text: str) -> list[Match]:
    """Every distinct WSL/HCS/Win32 code the text shows, in the order it shows them."""
    _, by_name = codes()
    found: dict[str, Match] = {}
    lowered = text.lower()
    for said, row in messages():
        at = lowered.find(said)
        if at != -1:
            spot = re.compile(re.escape(said), re.I).search(text, at)
            found.setdefault(row["name"], _finding(row, text, spot, " (by the message WSL printed for it)"))
    text = lines_with(text, ("wsl/", "0x", "-21", "-20"))
    for short in _SHORT.finditer(text):  # "Error: 0x1bc": a Win32 code printed without its 0x8007 facility
        row = decode_value(0x80070000 | int(short.group(1), 16))
        found.setdefault(row["name"], _finding(row, text, short, " (printed as a bare Win32 code)"))
    for path in _PATH.finditer(text):
        parts = path.group(1).rstrip(".").split("/")  # a sentence's full stop is no part of the code
        last = parts[-1]
        row = by_name.get(last)
        if row is None and re.fullmatch(r"0[xX][0-9a-fA-F]{8}", last):
            row = decode_value(int(last, 16))
        if row is None and not _CODE_NAME.fullmatch(last):  # "Wsl/InstallDistro/Service": where, but no code
            continue
        if row is None:
            row = {"name": last, "value": 0, "meaning": "a code name this project's tables do not list",
                   "source": WINERROR, "unknown": True}
        found.setdefault(row["name"], _finding(row, text, path, f" in {'/'.join(parts[1:-1]) or 'Wsl'}",
                                               tuple(parts[1:-1])))
    for number in _HEX.finditer(text):
        value = int(number.group(1), 16)
        line = text[text.rfind("\n", 0, number.start()) + 1:text.find("\n", number.end()) % (len(text) + 1)]
        if ntstatus(value) and re.search(r"exit|return", line, re.I):  # a Windows program's crash code: crash.py's
            continue
        if value in codes()[0] or _CONTEXT.search(line):
            row = decode_value(value)
            found.setdefault(row["name"], _finding(row, text, number))
    for number in _SIGNED.finditer(text):
        row = decode_value(int(number.group(1)) & 0xFFFFFFFF)
        found.setdefault(row["name"], _finding(row, text, number, f" (printed as the signed number {number.group(1)})"))
    return list(found.values())


_LEADS = regex(r"[ \t]*(?:wsl(?:\.exe)?: )?")


@lru_cache(maxsize=1)
def _warnings() -> tuple[tuple[re.Pattern, dict], ...]:
    data = table("wsl_warnings")
    out = []
    for row in data["warning"]:
        literal = re.escape(row["text"]).replace(r"\{\}", r"[^\n]{0,200}?")
        out.append((re.compile(literal), {**row, "source": data["source"]}))  # a literal start: the engine scans fast
    return tuple(out)


def warnings(text: str) -> list[Match]:
    """The wsl.exe warnings the text shows: what each one is (the command still ran)."""
    out = []
    for pattern, row in _warnings():
        found = next((f for f in pattern.finditer(text) if _LEADS.fullmatch(text[text.rfind("\n", 0, f.start()) + 1:f.start()])),
                     None)  # the message opens its line (after "wsl: "): not words quoted inside another line
        if found:
            out.append(hit("wsl-warning", row["key"].removeprefix("Message"), "wsl",
                           f"A warning wsl.exe printed before the output, not an error: {row['means']}.",
                           "Windows PowerShell", (), row["source"], "low", text, found))
    return out
