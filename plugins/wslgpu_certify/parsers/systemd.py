"""Parsers for how dockerd is started in the distro: wsl.conf, systemctl, and dockerd's journal."""

from __future__ import annotations

import configparser
import re
from dataclasses import dataclass

from ._text import clean, content_lines, lines
from .errors import UnreadableOutput
from ..lazy_regex import regex

# --- /etc/wsl.conf ----------------------------------------------------------------------------
#
# INI file read by WSL's init at distro start. Formats seen:
#   "[boot]\nsystemd=true" (corpus wsl-conf__boot-systemd-true.txt, MicrosoftDocs/WSL#1750);
#   Microsoft's example file with [automount] enabled/root/options/mountFsTab, [network],
#   [interop] enabled/appendWindowsPath, [user] default=, [boot] command=
#   (https://learn.microsoft.com/en-us/windows/wsl/wsl-config#example-wslconf-file; a real file with
#   [automount] [user] [boot] systemd=true [interop]: https://github.com/austin-lai/Self-Hosted-Vaultwarden-with-Traefik-and-Ngrok/blob/master/wsl.conf);
#   "[boot]\ncommand = sleep 10 ; mount --bind ..." (https://github.com/microsoft/WSL/issues/5548).
# systemd in [boot] needs Store WSL 0.67.6 or later (https://github.com/sarim/gbash README, quoting
# Microsoft's announcement); without the key systemd is not PID 1. "systemd = true" with spaces:
# https://gist.github.com/1eedaegon/b90214fc7b92b2abcb279bedf6f3c7e7.
_BOOL = {"true": True, "false": False}


@dataclass(frozen=True)
class WslConf:
    """The settings of /etc/wsl.conf a diagnosis needs; None where the file leaves WSL's default."""

    systemd: bool | None
    boot_command: str | None
    default_user: str | None
    automount_enabled: bool | None
    automount_root: str | None
    interop_enabled: bool | None
    append_windows_path: bool | None
    sections: tuple[str, ...]


def parse_wsl_conf(text: str) -> WslConf:
    """Read /etc/wsl.conf: tolerant of comments, spaces around '=', and True/TRUE spellings.

    A file cut inside a line is refused ("systemd=tr"); one cut exactly at a line end reads as a
    shorter file: INI has no end marker to tell the two apart.
    """
    body = clean(text)
    if not body.strip():
        raise UnreadableOutput("/etc/wsl.conf (empty)", text)
    parser = configparser.ConfigParser(
        interpolation=None, strict=False, inline_comment_prefixes=("#", ";"), comment_prefixes=("#", ";")
    )
    try:
        parser.read_string(body)
    except configparser.Error as exc:
        raise UnreadableOutput(f"/etc/wsl.conf ({type(exc).__name__})", text) from None
    if not parser.sections():
        raise UnreadableOutput("/etc/wsl.conf (no [section])", text)

    def get(section: str, key: str) -> str | None:
        # Section names are matched case-insensitively as WSL does ([Boot] works).
        for name in parser.sections():
            if name.strip().lower() == section:
                value = parser[name].get(key.lower())
                return value.strip().strip('"') if value is not None else None
        return None

    def boolean(section: str, key: str) -> bool | None:
        value = get(section, key)
        if value is None:
            return None
        if value.lower() not in _BOOL:
            # "systemd=tr" (a cut file) or a typo: WSL would ignore it; we cannot say what it means.
            raise UnreadableOutput(f"/etc/wsl.conf ([{section}] {key} = {value!r} is not true/false)", text)
        return _BOOL[value.lower()]

    return WslConf(
        systemd=boolean("boot", "systemd"),
        boot_command=get("boot", "command"),
        default_user=get("user", "default"),
        automount_enabled=boolean("automount", "enabled"),
        automount_root=get("automount", "root"),
        interop_enabled=boolean("interop", "enabled"),
        append_windows_path=boolean("interop", "appendWindowsPath"),
        sections=tuple(s.strip().lower() for s in parser.sections()),
    )


# --- systemctl is-active docker ---------------------------------------------------------------
#
# One word per unit (systemctl(1) is-active: active, inactive, failed, activating, deactivating,
# reloading). Without systemd as PID 1 (WSL before systemd=true):
#   "System has not been booted with systemd as init system (PID 1). Can't operate."
#   "Failed to connect to bus: Host is down"
# (corpus dockerd__systemctl-no-systemd-pid1-and-docker-unrecognized-service.txt, microsoft/WSL#6561).
_UNIT_STATES = ("active", "inactive", "failed", "activating", "deactivating", "reloading", "refreshing", "maintenance")
_NO_SYSTEMD = regex(r"has not been booted with systemd as init system|Failed to connect to bus", re.I)


@dataclass(frozen=True)
class UnitState:
    """A unit's state per `systemctl is-active`, or that systemd is not running at all."""

    state: str | None
    systemd_running: bool

    @property
    def active(self) -> bool:
        return self.state == "active"


def parse_systemctl_is_active(text: str) -> UnitState:
    """Read `systemctl is-active docker` (stdout and stderr)."""
    body = content_lines(text)
    if any(_NO_SYSTEMD.search(line) for line in body):
        return UnitState(None, False)
    if len(body) == 1 and body[0] in _UNIT_STATES:
        return UnitState(body[0], True)
    raise UnreadableOutput("systemctl is-active", text)


# --- journalctl -u docker -n 50 --no-pager ----------------------------------------------------
#
# Short format "Mon DD HH:MM:SS host ident[pid]: message" (month may be localised, " 1月 11"), plus
# "-- Logs begin at ... --", "-- Boot <id> --", and with -x the "-- Subject: ..." catalog lines.
# Sources: dockerd "pid file found" + systemd "Failed to start Docker Application Container Engine"
# (https://github.com/moby/moby/issues/39712); "unable to configure the Docker daemon with file
# /etc/docker/daemon.json: invalid character '<' looking for beginning of value"
# (https://github.com/rnanosaur/nanosaur/pull/47); the iptables failures dockerd logs on WSL
# (corpus dockerd__wsl-ubuntu-22.04-iptables-legacy-nat-table-missing.txt, docker/for-linux#1437;
# "iptables v1.8.7 (nf_tables): RULE_APPEND failed" https://github.com/microsoft/WSL/issues/6655).
_JOURNAL_LINE = regex(r"^ ?\S{1,5} {1,2}\d{1,2} \d{2}:\d{2}:\d{2} \S+ [^\s:]+: ")
_JOURNAL_ISO = regex(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\S* \S+ [^\s:]+: ")
_MARKER = regex(r"^-- .*(?:--)?$")
_NO_ENTRIES = regex(r"^-- No entries --$|^No journal files were found\.?$", re.M)
_HINT = regex(r"^Hint: You are currently not seeing messages|^\s+(?:Pass -q|Users in groups|all messages)", re.I)

# (kind, pattern) in the order a check should weigh them; each matches stable words only.
_JOURNAL_FINDINGS = (
    ("iptables", regex(r"failed to create NAT chain|iptables failed|can't initialize iptables table|iptables v[\d.]+ \((?:legacy|nf_tables)\)", re.I)),
    ("pid-file", regex(r"pid file found, ensure docker is not running", re.I)),
    # A flag in the unit (ExecStart=/usr/bin/dockerd -H fd://) and the same key in daemon.json, e.g. the
    # "hosts" a hand-started dockerd used: https://github.com/moby/moby/issues/25471, docker/for-linux#165.
    ("daemon-json-conflict", regex(r"specified both as a flag and in the conf", re.I)),
    ("daemon-json", regex(r"unable to configure the Docker daemon with file", re.I)),
    ("start-failed", regex(r"Failed to start Docker Application Container Engine|docker\.service: Failed with result|Start request repeated too quickly", re.I)),
    ("daemon-failed", regex(r"failed to start daemon", re.I)),
    ("started", regex(r"Started Docker Application Container Engine|API listen on ", re.I)),
)
_IPTABLES_BACKEND = regex(r"iptables v[\d.]+ \((legacy|nf_tables)\)")


@dataclass(frozen=True)
class JournalFinding:
    """One journal line that explains dockerd's state, classified by its stable words."""

    kind: str
    message: str


@dataclass(frozen=True)
class DockerJournal:
    """dockerd's last words per journalctl: classified findings, in journal order."""

    entries: int
    findings: tuple[JournalFinding, ...]
    no_entries: bool
    restricted: bool  # journalctl's "not seeing messages from other users" hint: run it with sudo
    iptables_backend: str | None  # "legacy" / "nf_tables" from an iptables error line

    def kinds(self) -> tuple[str, ...]:
        return tuple(f.kind for f in self.findings)

    @property
    def last_start(self) -> str | None:
        """"started" or "failed": which happened last, so an old failure followed by a start reads healthy."""
        for finding in reversed(self.findings):
            if finding.kind == "started":
                return "started"
            if finding.kind in ("start-failed", "daemon-failed", "pid-file", "daemon-json", "daemon-json-conflict", "iptables"):
                return "failed"
        return None


def parse_docker_journal(text: str) -> DockerJournal:
    """Read `journalctl -u docker -n 50 --no-pager`; every line must be a journal line or marker."""
    body = clean(text)
    if _NO_ENTRIES.search(body) and not any(_JOURNAL_LINE.match(l) or _JOURNAL_ISO.match(l) for l in lines(body)):
        restricted = any(_HINT.match(line) for line in lines(body))
        return DockerJournal(0, (), True, restricted, None)
    entries = 0
    findings: list[JournalFinding] = []
    restricted = False
    backend = None
    for line in lines(body):
        if not line.strip():
            continue
        if _HINT.match(line):
            restricted = True
            continue
        if _MARKER.match(line.strip()):
            continue
        match = _JOURNAL_LINE.match(line) or _JOURNAL_ISO.match(line)
        if not match:
            if line.startswith(("  ", "\t")) and entries:
                continue  # continuation of a multi-line message, indented under the first line's message
            raise UnreadableOutput("journalctl -u docker (not a journal line)", line)
        entries += 1
        message = line[match.end():].strip()
        for kind, pattern in _JOURNAL_FINDINGS:
            if pattern.search(message):
                findings.append(JournalFinding(kind, message))
                break
        if m := _IPTABLES_BACKEND.search(message):
            backend = m.group(1)
    if not entries:
        raise UnreadableOutput("journalctl -u docker (no entries and no '-- No entries --')", text)
    return DockerJournal(entries, tuple(findings), False, restricted, backend)


def parse_wsl_conf_file(text: str) -> WslConf | None:
    """`cat /etc/wsl.conf` (stdout and stderr): None when there is no file (WSL's defaults: no systemd)."""
    found = content_lines(clean(text))
    if len(found) == 1 and re.match(r"^cat: .*: No such file or directory$", found[0]):
        return None
    return parse_wsl_conf(text)


# sudo(8) with -n where a password would be needed: "sudo: a password is required" (sudo 1.8/1.9).
_SUDO_REFUSED = regex(r"^sudo: (?:a password is required|a terminal is required)", re.M)


def parse_sudo_docker_journal(text: str) -> DockerJournal | None:
    """`sudo -n journalctl -u docker ...`: None when sudo would have asked for a password (never prompted)."""
    if _SUDO_REFUSED.search(clean(text)):
        return None
    return parse_docker_journal(text)
