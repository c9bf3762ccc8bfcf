"""Tests for parsers.systemd: wsl.conf, systemctl is-active, journalctl -u docker, update-alternatives."""

import pytest

from damage import BYTE_SOUP, half

from wslgpu_certify.parsers.errors import UnreadableOutput
from wslgpu_certify.parsers.iptables import AlternativeGroup, parse_update_alternatives
from wslgpu_certify.parsers.systemd import (
    UnitState,
    parse_docker_journal,
    parse_systemctl_is_active,
    parse_wsl_conf,
)

GARBAGE = BYTE_SOUP



# --- /etc/wsl.conf ---------------------------------------------------------------------------------

# https://github.com/austin-lai/Self-Hosted-Vaultwarden-with-Traefik-and-Ngrok/blob/master/wsl.conf (abridged):
# comment lines, spaces around '=', a commented-out [network] section.
WSL_CONF_FULL = """\
# Automatically mount Windows drive when the distribution is launched
[automount]
enabled = true
# DrvFs-specific options can be specified.
options = "metadata,umask=0077,fmask=0022,case=off"
mountFsTab = true
# Set the user when launching a distribution with WSL.
[user]
default = YOUR_WSL_USER
# To enable systemd
[boot]
systemd=true
[interop]
enabled = true
appendWindowsPath = true
# [network]
# hostname = DemoHost
"""

# https://gist.github.com/aahung/ac7553985d8af872d45d15e0b00f7580: quoted root, [boot] absent.
WSL_CONF_NO_BOOT = '[automount]\nenabled = true\nroot = "/mnt/"\n[interop]\nappendWindowsPath = false\n'


def test_wsl_conf_corpus(corpus_text):
    conf = parse_wsl_conf(corpus_text("wsl-conf__boot-systemd-true.txt"))
    assert conf.systemd is True and conf.sections == ("boot",)


def test_wsl_conf_full_example():
    conf = parse_wsl_conf(WSL_CONF_FULL.replace("\n", "\r\n"))
    assert conf.systemd is True and conf.default_user == "YOUR_WSL_USER"
    assert (conf.automount_enabled, conf.interop_enabled, conf.append_windows_path) == (True, True, True)


def test_wsl_conf_without_boot_leaves_systemd_unset():
    conf = parse_wsl_conf(WSL_CONF_NO_BOOT)
    assert conf.systemd is None and conf.automount_root == "/mnt/" and conf.append_windows_path is False


@pytest.mark.parametrize("spelling, expected", [("True", True), ("TRUE", True), ("false", False), ("true  # on", True)])
def test_wsl_conf_boolean_spellings(spelling, expected):
    assert parse_wsl_conf(f"[Boot]\n  systemd = {spelling}\n").systemd is expected


def test_wsl_conf_boot_command():
    # https://github.com/microsoft/WSL/issues/5548
    conf = parse_wsl_conf("[boot]\ncommand = sleep 10 ; mount --bind /usr/lib/wsl/lib /usr/lib/wsl/lib2 -o X-mount.mkdir\n")
    assert conf.boot_command.startswith("sleep 10") and conf.systemd is None


@pytest.mark.parametrize(
    "text",
    ["[boot]\nsystemd=tr", "# [boot]\n# systemd=true\n", WSL_CONF_FULL[: WSL_CONF_FULL.index("systemd=true") + 9], "", GARBAGE, "systemd=true\n", "cat: /etc/wsl.conf: No such file or directory\n"],
)
def test_wsl_conf_refuses(text):
    with pytest.raises(UnreadableOutput):
        parse_wsl_conf(text)


# --- systemctl is-active docker -------------------------------------------------------------------

@pytest.mark.parametrize("word", ["active", "inactive", "failed", "activating"])
def test_is_active_words(word):
    state = parse_systemctl_is_active(word + "\n")
    assert state == UnitState(word, True) and state.active is (word == "active")


def test_is_active_without_systemd_corpus(corpus_text):
    text = corpus_text("dockerd__systemctl-no-systemd-pid1-and-docker-unrecognized-service.txt")
    assert parse_systemctl_is_active(text) == UnitState(None, False)


def test_is_active_failed_to_connect_to_bus_alone():
    assert parse_systemctl_is_active("Failed to connect to bus: No such file or directory\n") == UnitState(None, False)


@pytest.mark.parametrize("text", ["activ", "act", "", GARBAGE, "active\ninactive\n"])
def test_is_active_refuses(text):
    with pytest.raises(UnreadableOutput):
        parse_systemctl_is_active(text)


# --- journalctl -u docker ---------------------------------------------------------------------------

# https://github.com/moby/moby/issues/39712 (journalctl -xe style, catalog lines included).
JOURNAL_PID_FILE = """\
-- Logs begin at Tue 2019-05-07 18:27:15 UTC, end at Mon 2019-08-19 18:26:20 UTC. --
Aug 06 19:05:58 ip-172-31-0-27.us-west-2.compute.internal systemd[1]: Starting Docker Application Container Engine...
-- Subject: Unit docker.service has begun start-up
-- Defined-By: systemd
Aug 06 19:05:58 ip-172-31-0-27.us-west-2.compute.internal dockerd[31419]: Error starting daemon: pid file found, ensure docker is not running or delete /var/run/docker.pid
Aug 06 19:05:58 ip-172-31-0-27.us-west-2.compute.internal systemd[1]: docker.service: Main process exited, code=exited, status=1/FAILURE
Aug 06 19:05:58 ip-172-31-0-27.us-west-2.compute.internal systemd[1]: docker.service: Failed with result 'exit-code'.
Aug 06 19:05:58 ip-172-31-0-27.us-west-2.compute.internal systemd[1]: Failed to start Docker Application Container Engine.
"""

# https://github.com/rnanosaur/nanosaur/pull/47 (localised month " 1月 11", bad daemon.json).
JOURNAL_DAEMON_JSON = """\
 1月 11 02:59:48 nanosaur systemd[1]: Starting Docker Application Container Engine...
 1月 11 02:59:48 nanosaur dockerd[17670]: unable to configure the Docker daemon with file /etc/docker/daemon.json: invalid character '<' looking for beginning of value
 1月 11 02:59:48 nanosaur systemd[1]: docker.service: Main process exited, code=exited, status=1/FAILURE
 1月 11 02:59:48 nanosaur systemd[1]: Failed to start Docker Application Container Engine.
"""

# dockerd's own line from corpus dockerd__wsl-ubuntu-22.04-iptables-legacy-nat-table-missing.txt
# (docker/for-linux#1437) as journald records it, then a later successful start.
JOURNAL_IPTABLES_THEN_STARTED = """\
Jan 08 10:00:01 host dockerd[301]: failed to start daemon: Error initializing network controller: error obtaining controller instance: failed to register "bridge" driver: failed to create NAT chain DOCKER: iptables failed: iptables -t nat -N DOCKER: iptables v1.8.7 (legacy): can't initialize iptables table `nat': Table does not exist (do you need to insmod?)
Jan 08 10:00:01 host systemd[1]: Failed to start Docker Application Container Engine.
Jan 08 10:05:12 host dockerd[412]: time="2025-01-08T10:05:12.000000000Z" level=info msg="API listen on /run/docker.sock"
Jan 08 10:05:12 host systemd[1]: Started Docker Application Container Engine.
"""


def test_journal_pid_file():
    journal = parse_docker_journal(JOURNAL_PID_FILE)
    assert journal.kinds() == ("pid-file", "start-failed", "start-failed")
    assert journal.last_start == "failed" and journal.entries == 5


def test_journal_daemon_json_localised_month():
    journal = parse_docker_journal(JOURNAL_DAEMON_JSON)
    assert journal.kinds()[0] == "daemon-json" and "invalid character" in journal.findings[0].message
    assert journal.last_start == "failed"


def test_journal_daemon_json_hosts_conflict():
    # https://github.com/docker/for-linux/issues/165 (message cut at the terminal width as printed there).
    text = ("Nov 21 16:44:18 ubuntu dockerd[26519]: unable to configure the Docker daemon with file /etc/docker/daemon.json: "
            "the following directives are specified both as a flag and in the conf\n"
            "Nov 21 16:44:18 ubuntu systemd[1]: docker.service: Start request repeated too quickly.\n")
    journal = parse_docker_journal(text)
    assert journal.kinds() == ("daemon-json-conflict", "start-failed") and journal.last_start == "failed"


def test_journal_iptables_then_started():
    journal = parse_docker_journal(JOURNAL_IPTABLES_THEN_STARTED)
    assert journal.kinds() == ("iptables", "start-failed", "started", "started")
    assert journal.iptables_backend == "legacy" and journal.last_start == "started"


def test_journal_nf_tables_backend():
    # https://github.com/microsoft/WSL/issues/6655
    line = ("Mar 09 12:00:00 host dockerd[99]: failed to start daemon: Error initializing network controller: error obtaining "
            "controller instance: unable to add return rule in DOCKER-ISOLATION-STAGE-1 chain:  (iptables failed: iptables --wait "
            "-A DOCKER-ISOLATION-STAGE-1 -j RETURN: iptables v1.8.7 (nf_tables):  RULE_APPEND failed (No such file or directory)\n")
    journal = parse_docker_journal(line)
    assert journal.kinds() == ("iptables",) and journal.iptables_backend == "nf_tables"


@pytest.mark.parametrize("text", ["-- No entries --\n", "No journal files were found.\n"])
def test_journal_no_entries(text):
    journal = parse_docker_journal(text)
    assert journal.no_entries and journal.entries == 0 and journal.last_start is None


def test_journal_restricted_hint():
    text = ("Hint: You are currently not seeing messages from other users and the system.\n"
            "      Users in groups 'adm', 'systemd-journal' can see all messages.\n"
            "      Pass -q to turn off this notice.\n-- No entries --\n")
    assert parse_docker_journal(text).restricted


# A cut inside a line's "date host ident[pid]:" prefix is refused; one inside a message is not detectable.
@pytest.mark.parametrize("text", [JOURNAL_PID_FILE[:150], "", GARBAGE, "-- Logs begin at Tue 2019-05-07 --\n"])
def test_journal_refuses(text):
    with pytest.raises(UnreadableOutput):
        parse_docker_journal(text)


def test_journal_multiline_message_and_hint_before_entries():
    text = ("Hint: You are currently not seeing messages from other users and the system.\n"
            "Jan 08 10:00:01 host dockerd[301]: failed to start daemon: first line\n"
            "                                   second line of the same message\n")
    journal = parse_docker_journal(text)
    assert journal.restricted and journal.entries == 1 and journal.kinds() == ("daemon-failed",)


def test_journal_refuses_line_cut_before_its_message():
    with pytest.raises(UnreadableOutput):
        parse_docker_journal(JOURNAL_DAEMON_JSON + " 1月 11 02:59:50 nanos")


# --- update-alternatives ---------------------------------------------------------------------------

# Format of update-alternatives(1) --query (https://man.cx/update-alternatives(1)); Ubuntu 22.04's
# iptables group (paths and priorities as --config shows them in the corpus file).
QUERY_LEGACY = """\
Name: iptables
Link: /usr/sbin/iptables
Slaves:
 iptables-restore /usr/sbin/iptables-restore
 iptables-save /usr/sbin/iptables-save
Status: manual
Best: /usr/sbin/iptables-nft
Value: /usr/sbin/iptables-legacy

Alternative: /usr/sbin/iptables-legacy
Priority: 10
Slaves:
 iptables-restore /usr/sbin/iptables-legacy-restore
 iptables-save /usr/sbin/iptables-legacy-save

Alternative: /usr/sbin/iptables-nft
Priority: 20
Slaves:
 iptables-restore /usr/sbin/iptables-nft-restore
 iptables-save /usr/sbin/iptables-nft-save
"""

ALTERNATIVES = (("/usr/sbin/iptables-legacy", 10), ("/usr/sbin/iptables-nft", 20))


def test_alternatives_query():
    group = parse_update_alternatives(QUERY_LEGACY)
    assert group == AlternativeGroup("iptables", "/usr/sbin/iptables-legacy", "manual", ALTERNATIVES)
    assert group.iptables_backend == "legacy"


def test_alternatives_query_auto_nft():
    text = QUERY_LEGACY.replace("Status: manual", "Status: auto").replace("Value: /usr/sbin/iptables-legacy", "Value: /usr/sbin/iptables-nft")
    assert parse_update_alternatives(text).iptables_backend == "nft"


def test_alternatives_config_table_corpus(corpus_text):
    group = parse_update_alternatives(corpus_text("dockerd__wsl-ubuntu-22.04-iptables-legacy-nat-table-missing.txt"))
    assert group == AlternativeGroup("iptables", "/usr/sbin/iptables-legacy", "manual", ALTERNATIVES)


def test_alternatives_backend_unknown_for_other_targets():
    assert parse_update_alternatives("update-alternatives: error: no alternatives for iptables\n").iptables_backend is None
    other = QUERY_LEGACY.replace("iptables-legacy", "iptables-custom")
    assert parse_update_alternatives(other).iptables_backend is None


def test_alternatives_single_and_none():
    single = parse_update_alternatives(
        "There is only one alternative in link group iptables (providing /usr/sbin/iptables): /usr/sbin/iptables-legacy\nNothing to configure.\n"
    )
    assert single.iptables_backend == "legacy" and single.alternatives == (("/usr/sbin/iptables-legacy", None),)
    none = parse_update_alternatives("update-alternatives: error: no alternatives for iptables\n")
    assert none.value is None and none.alternatives == ()


@pytest.mark.parametrize(
    "text",
    [
        half(QUERY_LEGACY),  # the nft alternative named as Best is cut off
        QUERY_LEGACY[: QUERY_LEGACY.index("Priority: 10")],
        "Name: iptables\nLink: /usr/sbin/iptables\nStatus: auto\nBest: /usr/sbin/iptables-nft\nValue: /usr/sbin/iptables-nft\n\n"
        "Alternative: /usr/sbin/iptables-legacy\nPriority: 10\n",  # the current (and best) alternative cut off
        "",
        GARBAGE,
    ],
)
def test_alternatives_refuses(text):
    with pytest.raises(UnreadableOutput):
        parse_update_alternatives(text)


def test_alternatives_config_table_cut(corpus_text):
    text = corpus_text("dockerd__wsl-ubuntu-22.04-iptables-legacy-nat-table-missing.txt")
    with pytest.raises(UnreadableOutput):
        parse_update_alternatives(text[: text.index("  2  ")])
