"""The one command runner: decoding, timeouts, memoization, recording."""

import codecs

import pytest

from wslgpu_certify.decode import decode_output
from wslgpu_certify.executors import NotRecorded, ReplayExecutor, SubprocessExecutor, local_shell
from wslgpu_certify.runner import CommandRecord, CommandRunner

TEXT = "  NAME      STATE           VERSION\n* Ubuntu    Running         2\n"


@pytest.mark.parametrize("raw", [
    TEXT.encode("utf-8"),
    codecs.BOM_UTF8 + TEXT.encode("utf-8"),
    TEXT.replace("\n", "\r\n").encode("utf-16-le"),  # wsl.exe without WSL_UTF8: no BOM
    codecs.BOM_UTF16_LE + TEXT.replace("\n", "\r\n").encode("utf-16-le"),
    codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"),
    TEXT.replace("\n", "\r\n").encode("utf-8"),
], ids=["utf8", "utf8-bom", "utf16le", "utf16le-bom", "utf16be-bom", "crlf"])
def test_decode_output_normalises_every_encoding(raw):
    assert decode_output(raw) == TEXT


def test_decode_output_survives_garbage_and_nothing():
    assert decode_output(b"") == "" and decode_output(None) == ""
    assert "\ufffd" in decode_output(b"\x80\x81 ok \xfd")  # replaced, not raised
    assert decode_output(b"a") == "a"


def test_hung_command_times_out_and_says_so():
    record = local_shell()("sleep 30", timeout=0.3)
    assert record.timed_out and record.exit_status is None and record.duration < 5


def test_missing_program_is_exit_127_not_an_exception():
    record = SubprocessExecutor(["/nonexistent/shell", "-c"])("true", timeout=5)
    assert record.exit_status == 127 and "No such file" in record.stderr


def test_each_distinct_command_runs_once_and_is_recorded_once():
    calls, recorded = [], []

    def execute(command, timeout):
        calls.append(command)
        return CommandRecord(command, 0, "out", "", 0.0)

    runner = CommandRunner("wsl", execute, timeout=1, on_result=lambda role, rec: recorded.append((role, rec.command)))
    for command in ["id -nG", "id -nG", "uname -r", "id -nG"]:
        runner.run(command)
    assert calls == ["id -nG", "uname -r"]
    assert recorded == [("wsl", "id -nG"), ("wsl", "uname -r")]
    assert runner.executed == 2


def test_replay_answers_recorded_commands_and_refuses_others():
    record = CommandRecord("cmd.exe /c ver", 0, "Microsoft Windows [Version 10.0.20201.1000]", "", 0.1)
    replay = ReplayExecutor("windows", {"cmd.exe /c ver": record})
    assert replay("cmd.exe /c ver", 5) is record
    with pytest.raises(NotRecorded, match="not recorded in snapshot: wsl.exe --status"):
        replay("wsl.exe --status", 5)
