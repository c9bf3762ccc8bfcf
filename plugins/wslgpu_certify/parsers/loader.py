"""Parsers for the CUDA driver libraries WSL maps into the distro: `ls -l /usr/lib/wsl/lib`, ldconfig's warnings."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ._text import content_lines
from .errors import UnreadableOutput
from ..lazy_regex import regex

# `ls -l /usr/lib/wsl/lib/`: WSL mounts C:\Windows\System32\lxss\lib there; the NVIDIA driver ships
# libcuda.so, libcuda.so.1 and libcuda.so.1.1 as three regular files of the same size, not a symlink
# chain (corpus nvidia-smi__ls-usr-lib-wsl-lib-healthy-listing.txt, microsoft/WSL#12118;
# `ls -la /usr/lib/wsl/lib/libcuda*` with full paths: https://github.com/microsoft/WSL/issues/8587).
# Users who "fix" ldconfig's warning replace them with symlinks (https://github.com/microsoft/WSL/issues/5663).
# Plain `ls` prints names only (corpus nvidia-smi__ls-usr-lib-wsl-lib-no-libcuda-egpu.txt, WSL#5604:
# a machine whose GPU driver maps no libcuda at all).
_LONG = regex(
    r"^(?P<type>[-bcdlps])[rwxsStT-]{9}[.+@]?\s+\d+\s+\S+\s+\S+\s+(?P<size>\d+)(?:,\s*\d+)?\s+"
    r"(?:\S+\s+\d{1,2}\s+(?:\d{4}|\d{1,2}:\d{2})|\d{4}-\d{2}-\d{2}\s+\d{2}:\d{2}(?::\d{2}\S*)?(?:\s+[+-]\d{4})?)\s+"
    r"(?P<name>.+?)(?: -> (?P<target>.+))?$"
)
_TOTAL = regex(r"^total \d+$")
_MISSING = regex(r"cannot access .*No such file or directory|No such file or directory", re.I)
_PLAIN_NAME = regex(r"^[\w.+-]+$")
_KINDS = {"-": "file", "l": "symlink", "d": "dir"}


@dataclass(frozen=True)
class WslLibEntry:
    """One name in /usr/lib/wsl/lib; kind and size only from `ls -l`."""

    name: str
    kind: str | None  # "file", "symlink", "dir", "other"; None from plain `ls`
    size: int | None
    target: str | None


@dataclass(frozen=True)
class WslLibListing:
    """What /usr/lib/wsl/lib holds, or that it is absent (no GPU mapping: WSL 1 or no driver)."""

    present: bool
    entries: tuple[WslLibEntry, ...]

    def entry(self, name: str) -> WslLibEntry | None:
        return next((e for e in self.entries if e.name == name), None)

    @property
    def has_libcuda(self) -> bool:
        return self.entry("libcuda.so.1") is not None

    @property
    def has_unversioned_libcuda(self) -> bool:
        """libcuda.so itself: what build tools and some frameworks link against."""
        return self.entry("libcuda.so") is not None

    @property
    def libcuda_copies(self) -> tuple[str, ...]:
        """libcuda.so* names that are regular files: the driver's normal layout, the cause of ldconfig's warning."""
        return tuple(e.name for e in self.entries if e.name.startswith("libcuda.so") and e.kind == "file")

    @property
    def libcuda_symlinks(self) -> tuple[str, ...]:
        """libcuda.so* names that are symlinks: someone replaced the driver's files by hand."""
        return tuple(e.name for e in self.entries if e.name.startswith("libcuda.so") and e.kind == "symlink")


def parse_ls_wsl_lib(text: str) -> WslLibListing:
    """Read `ls -l /usr/lib/wsl/lib` (or plain `ls`); every long-format line must parse whole."""
    body = content_lines(text)
    if body and all(_MISSING.search(line) for line in body):
        return WslLibListing(False, ())
    long_lines = [line for line in body if not _TOTAL.match(line)]
    if not long_lines:
        raise UnreadableOutput("ls /usr/lib/wsl/lib (no entries)", text)
    if _LONG.match(long_lines[0]):
        entries = []
        for line in long_lines:
            m = _LONG.match(line)
            if not m:
                raise UnreadableOutput("ls -l /usr/lib/wsl/lib (line)", line)
            name = m.group("name").rsplit("/", 1)[-1]  # `ls -l /usr/lib/wsl/lib/libcuda*` prints paths
            entries.append(WslLibEntry(name, _KINDS.get(m.group("type"), "other"), int(m.group("size")), m.group("target")))
        return WslLibListing(True, tuple(entries))
    names = [token for line in long_lines for token in line.split()]
    if not all(_PLAIN_NAME.match(name) for name in names):
        raise UnreadableOutput("ls /usr/lib/wsl/lib (names)", text)
    return WslLibListing(True, tuple(WslLibEntry(name, None, None, None) for name in names))


# ldconfig (glibc elf/ldconfig.c) prefixes its messages with its program name: "ldconfig: " on
# Arch (corpus ldconfig__libcuda-so-1-is-not-a-symbolic-link-archwsl.txt, yuk7/ArchWSL#248) and
# "/sbin/ldconfig.real: " on Debian/Ubuntu (corpus ldconfig__ldconfig-real-...-ubuntu-24.04.txt;
# microsoft/WSL#11229, #5548, #5663). With WSL's regular-file copies it warns on every run:
# "/usr/lib/wsl/lib/libcuda.so.1 is not a symbolic link": cosmetic, the loader still finds libcuda.so.1.
_LDCONFIG_PREFIX = regex(r"^(?:/\S*/)?ldconfig(?:\.real)?: (.+)$")
_LDCONFIG_MESSAGES = (
    ("not-a-symlink", regex(r"^(?P<path>/\S+) is not a symbolic link$")),
    ("empty-file", regex(r"^File (?P<path>/\S+) is empty, not checked\.$")),
    ("too-small", regex(r"^File (?P<path>/\S+) is too small, not checked\.$")),
    ("cant-stat", regex(r"^Can't stat (?P<path>/\S+): .+$")),
    ("cant-link", regex(r"^Can't link (?P<path>/\S+) to \S+$")),
    ("duplicate-path", regex(r"^Path `(?P<path>[^']+)' given more than once$")),
    ("unknown-type", regex(r"^(?P<path>/\S+) is not a known library type$")),
    ("not-regular", regex(r"^Ignored file (?P<path>/\S+) since it is not a regular file\.$")),
    ("config-unreadable", regex(r"^(?:Warning: ignoring configuration file that cannot be opened|Can't open configuration file) (?P<path>/\S+?):? .*$")),
)


@dataclass(frozen=True)
class LdconfigWarning:
    """One ldconfig message, classified; path is the file or directory it names."""

    kind: str
    path: str


def parse_ldconfig_warnings(text: str) -> tuple[LdconfigWarning, ...]:
    """Read what `ldconfig` printed; silence (no output) is its healthy answer.

    Lines must be whole known ldconfig messages: a cut line ("... is not a sym") is refused rather
    than read as some other warning.
    """
    warnings = []
    for line in content_lines(text):
        prefixed = _LDCONFIG_PREFIX.match(line)
        if not prefixed:
            raise UnreadableOutput("ldconfig output (not an ldconfig message)", line)
        message = prefixed.group(1).strip()
        for kind, pattern in _LDCONFIG_MESSAGES:
            if m := pattern.match(message):
                warnings.append(LdconfigWarning(kind, m.group("path")))
                break
        else:
            raise UnreadableOutput("ldconfig output (unknown message)", line)
    return tuple(warnings)
