"""Parsers for output read inside the WSL distro: kernel, os-release, groups, sudo, ~/.bashrc, ls, systemctl."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ._text import content_lines, is_prompt, lines, require_text
from .errors import UnreadableOutput
from ..lazy_regex import regex


@dataclass(frozen=True)
class KernelInfo:
    """A kernel release and what kind of WSL it implies."""

    release: str
    numeric: str
    flavour: str  # "wsl2", "wsl1" or "native"


# /proc/version: "Linux version 4.19.128-microsoft-standard (oe-user@oe-host) ..." (setup-guide §3.2);
# uname -a: "Linux <HOST> 4.4.0-19041-Microsoft #1-Microsoft ..." (kernel__uname-a-wsl1-...txt);
# uname -r: a line holding only the release.
# A release is read only when something follows it (a space, the end of its line), so a cut inside
# "4.19.128-microsoft-standard" does not read as "4.19.1" or as a native kernel.
_KERNEL_PATTERNS = (
    regex(r"Linux version (\d+\.\d+\S*)(?=\s)"),
    regex(r"^\s*Linux\s+\S+\s+(\d+\.\d+\.\d+\S*)\s+#", re.M),
    regex(r"^[ \t]*(\d+\.\d+\.\d+\S*)[ \t]*\n", re.M),
)
# A whole /proc/version line: "Linux version REL (BUILDER) (COMPILER) #1 SMP Tue Jun 23 12:58:10 UTC 2020":
# once the builder's "(" follows the release, the line must reach its "#N" build number.
_PROC_VERSION_LINE = regex(r"Linux version \S+ \([^\n]*")
_BUILD_NUMBER = regex(r"\)\s+#\d+")


def kernel_flavour(release: str) -> str:
    """'wsl2' for microsoft-standard kernels, 'wsl1' for the "-Microsoft" WSL 1 shim, else 'native'."""
    if "microsoft-standard" in release.lower():
        return "wsl2"
    if release.endswith("-Microsoft"):
        return "wsl1"
    return "native"


def parse_kernel(text: str) -> KernelInfo:
    """Read a kernel release from /proc/version, `uname -a` or `uname -r`; the first one printed wins."""
    body = require_text("kernel version", text)
    matches = [(m, n) for n, m in enumerate(p.search(body) for p in _KERNEL_PATTERNS) if m]
    if not matches:
        raise UnreadableOutput("kernel version", text)
    first, which = min(matches, key=lambda found: found[0].start(1))
    if which == 0:  # /proc/version's line
        line = _PROC_VERSION_LINE.match(body, first.start())
        if line and not _BUILD_NUMBER.search(line.group(0)):
            raise UnreadableOutput("/proc/version (line cut before its #build number)", text)
    release = first.group(1)
    numeric = re.match(r"\d+\.\d+(?:\.\d+){0,2}", release).group(0)
    return KernelInfo(release, numeric, kernel_flavour(release))


@dataclass(frozen=True)
class OsRelease:
    """The fields of /etc/os-release that the NVIDIA repository URLs use."""

    id: str
    version_id: str
    pretty_name: str | None

    @property
    def distribution(self) -> str:
        """`$ID$VERSION_ID` as in the guide's `distribution=$(. /etc/os-release;echo $ID$VERSION_ID)`."""
        return self.id + self.version_id


# A bare value cannot start with a quote: 'HOME_URL="https://www.ub' is a quoted value cut short.
_ASSIGNMENT = regex(r"""^\s*([A-Z_][A-Z0-9_]*)=(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|((?:[^"'\s]\S*)?))\s*$""")


def parse_os_release(text: str) -> OsRelease:
    """Read /etc/os-release (shell-style KEY=value lines, values optionally quoted)."""
    values: dict[str, str] = {}
    for line in lines(require_text("/etc/os-release", text)):
        match = _ASSIGNMENT.match(line)
        if match:
            key, double, single, bare = match.groups()
            value = double if double is not None else single if single is not None else bare
            values[key] = re.sub(r"\\(.)", r"\1", value) if double is not None else value
        elif values and line.strip() and not line.lstrip().startswith("#") and not is_prompt(line):
            # os-release(5) holds only assignments, comments and blank lines: this is a line cut short.
            raise UnreadableOutput("/etc/os-release (line that is no KEY=value)", line)
    if "ID" not in values or "VERSION_ID" not in values:
        raise UnreadableOutput("/etc/os-release (ID and VERSION_ID)", text)
    if not re.fullmatch(r"\d+(?:\.\d+)*", values["VERSION_ID"]):
        raise UnreadableOutput("/etc/os-release (VERSION_ID is no version)", values["VERSION_ID"])
    return OsRelease(values["ID"], values["VERSION_ID"], values.get("PRETTY_NAME"))


def parse_groups(text: str) -> list[str]:
    """Read `id -nG` (also `groups` "user : a b" and `id` "groups=1000(u),27(sudo)" forms)."""
    body = content_lines(require_text("id -nG", text))
    joined = " ".join(body)
    if "groups=" in joined:  # plain `id` (docker-gpu-run__permission-denied-docker-sock-root-owned.txt)
        listed = joined.split("groups=", 1)[1].split()[0]
        return re.findall(r"\(([^)]*)\)", listed)
    if not body or any(re.search(r"no such user|not found|cannot find", line, re.I) for line in body):
        raise UnreadableOutput("id -nG", text)
    last = body[-1]
    return (last.split(" : ", 1)[1] if " : " in last else last).split()


_SUDO_DENIED = regex(r"a password is required|may not run|is not in the sudoers|not allowed to", re.I)


def parse_sudo_list_command(text: str, command: str = "/usr/bin/dockerd") -> bool:
    """True when `sudo -n -l COMMAND` says the command may run (it echoes the command's path)."""
    body = content_lines(require_text(f"sudo -n -l {command}", text))
    if any(_SUDO_DENIED.search(line) for line in body):
        return False
    if any(line == command or line.startswith(command + " ") for line in body):
        return True
    if not body:
        # sudo -l exits 1 silently when the command is not allowed; that exit status is the probe's to judge
        return False
    raise UnreadableOutput(f"sudo -n -l {command}", text)


@dataclass(frozen=True)
class AutostartBlock:
    """The guide's ~/.bashrc block that starts dockerd when none runs (setup-guide §3.5)."""

    present: bool
    checks_running: bool
    starts_dockerd: bool
    disowns: bool


_CHECK = regex(r"\bps\b.*\bgrep\b.*\bdockerd\b|\bpgrep\b.*\bdockerd\b|\bpidof\b.*\bdockerd\b")
# "sudo dockerd > /dev/null 2>&1 &" in the guide; `sudo -b` backgrounds too.
_START = regex(r"\bsudo\s+(?:-\S+\s+)*(?:/usr/bin/)?dockerd\b")
_BACKGROUND = regex(r"(?<![&>])&(?![&>])|\bsudo\s+(?:-\S+\s+)*-b\b|\bnohup\b|\bsetsid\b")


def _closed(code: list[str], check: int, start: int) -> bool:
    opened = any(re.search(r"(?:^|[;&|]\s*|\s)if\s", " " + line) for line in code[check:start + 1])
    return not opened or any(re.search(r"(?:^|[;\s])fi\b", line) for line in code[start:])


def parse_bashrc_autostart(text: str) -> AutostartBlock:
    """Find the dockerd autostart block in a ~/.bashrc; commented lines are ignored."""
    code = [line.split(" #", 1)[0] for line in lines(require_text("~/.bashrc", text)) if not line.lstrip().startswith("#")]
    checks = [i for i, line in enumerate(code) if _CHECK.search(line)]
    starts = [i for i, line in enumerate(code) if _START.search(line) and _BACKGROUND.search(line)]
    # An `if` opened between the check and the start must be closed by a `fi`: a file cut before
    # it is a bash syntax error, so the block would never run.
    check_then_start = [s for s in starts if checks and s >= checks[0] and _closed(code, checks[0], s)]
    disowns = bool(check_then_start) and any(
        re.search(r"\bdisown\b", line) for line in code[check_then_start[0]:]
    )
    return AutostartBlock(
        present=bool(check_then_start),
        checks_running=bool(checks),
        starts_dockerd=bool(starts),
        disowns=disowns,
    )


# `ls -l` rows: mode, links, owner, group, size (or "major, minor" for devices), date, name.
LS_LONG = regex(
    r"^[-dlcbpsD][-rwxsStT]{9}\S*\s+\d+\s+\S+\s+\S+\s+(?:\d+,\s*)?\d+\s+"
    r"(?:\w+\s+\d+\s+(?:\d{1,2}:\d{2}|\d{4})|\d{4}-\d\d-\d\d(?:\s+\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:\s+[+-]\d{4})?)?)"
    r"\s+(.+)$"
)
_LS_MODE = regex(r"^[-dlcbpsD][-rwxsStT]{9}")


def parse_ls_names(text: str) -> list[str]:
    """File names from `ls -l DIR` or plain `ls DIR` output ("total N", "." and ".." skipped).

    Plain `ls` output is split on whitespace, so names containing spaces are not supported there.
    """
    names: list[str] = []
    body = content_lines(require_text("ls listing", text))
    # `ls -l` prints "total N" first; then every row is a long row, so a row cut short is no file name.
    long_listing = any(re.match(r"^total \d+$", line) or LS_LONG.match(line) for line in body)
    for line in body:
        if re.match(r"^total \d+", line):
            continue
        if re.search(r"No such file or directory|cannot access|Permission denied", line):
            raise UnreadableOutput("ls listing", text)
        long = LS_LONG.match(line)
        if long:
            name = long.group(1).split(" -> ", 1)[0]
            # `ll` is `ls -alF`: drop its type marker (docker.sock=, dir/, exe*).
            names.append(re.sub(r"(?<=.)[*/=@|]$", "", name))
        elif _LS_MODE.match(line) or long_listing:
            raise UnreadableOutput("ls -l row", line)
        else:
            names.extend(line.split())
    return [n for n in names if n not in (".", "..")]


_SYSTEMCTL_STATES = {
    "enabled", "enabled-runtime", "linked", "linked-runtime", "alias", "masked", "masked-runtime",
    "static", "indirect", "disabled", "generated", "transient", "bad", "not-found",
}


def parse_systemctl_is_enabled(text: str) -> bool:
    """True when `systemctl is-enabled UNIT` prints "enabled" (or "enabled-runtime")."""
    body = content_lines(require_text("systemctl is-enabled", text))
    state = next((line for line in body if line in _SYSTEMCTL_STATES), None)
    if state is not None:
        return state in ("enabled", "enabled-runtime")
    # No systemd as PID 1 (WSL before systemd support) or an unknown unit: nothing is enabled.
    if any(re.search(r"not been booted with systemd|No such file or directory|not loaded", line) for line in body):
        return False
    raise UnreadableOutput("systemctl is-enabled", text)


@dataclass(frozen=True)
class AptList:
    """`cat /etc/apt/sources.list.d/NAME` (stdout then stderr): the file's `deb` lines, or why there are none."""
    deb_lines: tuple[str, ...]  # whole `deb [options] URI SUITE [COMPONENT...]` lines (sources.list(5))
    unsupported: bool  # NVIDIA's server answered "# Unsupported distribution!" instead of a list
    missing: bool  # cat: ...: No such file or directory


_DEB_LINE = regex(r"^deb\s+(?:\[[^\]]*\]\s+)?\S+://\S+\s+\S+")


def parse_apt_list(text: str) -> AptList:
    """An apt list file as `cat` prints it. A file apt reads ends its last line with a newline (every list
    `curl -s -L https://nvidia.github.io/nvidia-docker/$distribution/nvidia-docker.list | sudo tee ...`
    writes does): a last line without one, or a `deb` line without URI and suite
    (https://manpages.ubuntu.com/manpages/focal/man5/sources.list.5.html), is a cut-off output."""
    body = require_text("apt list file", text)
    missing = bool(re.search(r"^cat: .*No such file or directory", body, re.M))
    unsupported = "unsupported distribution" in body.lower()
    if body.strip() and not missing and not unsupported and not body.endswith("\n"):
        raise UnreadableOutput("apt list file (its last line is cut off)", body[-400:])
    debs = [line.strip() for line in content_lines(body) if line.strip().startswith("deb ")]
    cut = [line for line in debs if not _DEB_LINE.match(line)]
    if cut:
        raise UnreadableOutput("apt list file (a `deb` line without URI and suite)", cut[0])
    return AptList(tuple(debs), unsupported, missing)
