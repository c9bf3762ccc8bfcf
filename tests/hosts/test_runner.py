"""The one command runner: decoding, timeouts, memoization, recording, prefetching, and its wait callback."""

import codecs
import threading
import time

import pytest

from wslgpu_certify.parsers._text import decode_output
from wslgpu_certify.hosts.executors import NotRecorded, ReplayExecutor, SubprocessExecutor, local_shell
from wslgpu_certify.hosts.records import CommandRecord
from wslgpu_certify.hosts.runner import CommandRunner

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


# ---- slow commands started ahead of their check (prefetch) and progress while waiting ----

class SlowExecutor:
    """Sleeps per command; remembers how many ran at once."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.calls: list[str] = []
        self.active = self.most_at_once = 0
        self._lock = threading.Lock()

    def __call__(self, command, timeout):
        with self._lock:
            self.calls.append(command)
            self.active += 1
            self.most_at_once = max(self.most_at_once, self.active)
        time.sleep(self.seconds)
        with self._lock:
            self.active -= 1
        return CommandRecord(command, 0, f"out of {command}", "", self.seconds)


def test_prefetched_commands_run_concurrently_once_and_are_recorded_once():
    execute, recorded = SlowExecutor(0.3), []
    runner = CommandRunner("container:rstudio", execute, timeout=5,
                           on_result=lambda role, rec: recorded.append(rec.command))
    started = time.monotonic()
    runner.prefetch({"a": "step a", "b": "step b", "c": "step c"}, parallel=3)
    records = [runner.run(command) for command in ("a", "b", "c", "a")]
    assert time.monotonic() - started < 0.75  # three 0.3 s steps overlapped, not 0.9 s in a row
    assert [r.stdout for r in records] == ["out of a", "out of b", "out of c", "out of a"]
    assert sorted(execute.calls) == ["a", "b", "c"] and sorted(recorded) == ["a", "b", "c"]
    assert runner.executed == 3 and execute.most_at_once == 3


def test_prefetch_respects_its_parallel_limit_and_skips_known_commands():
    execute = SlowExecutor(0.1)
    runner = CommandRunner("container:rstudio", execute, timeout=5)
    runner.run("a")
    runner.prefetch({c: c for c in "abcdef"}, parallel=2)
    for command in "abcdef":
        runner.run(command)
    assert execute.calls.count("a") == 1 and len(execute.calls) == 6
    assert execute.most_at_once == 2


def test_a_prefetch_that_raises_raises_in_the_reader():
    replay = ReplayExecutor("container:rstudio", {})
    runner = CommandRunner("container:rstudio", replay, timeout=5)
    runner.prefetch({"Rscript -e 1": "R"})
    with pytest.raises(NotRecorded):
        runner.run("Rscript -e 1")


def test_waiting_reader_is_told_what_runs(monkeypatch):
    import wslgpu_certify.hosts.runner as runner_module

    monkeypatch.setattr(runner_module, "FIRST_TICK", 0.1)
    monkeypatch.setattr(runner_module, "WAIT_TICK", 0.1)
    told = []
    runner = CommandRunner("container:rstudio", SlowExecutor(0.35), timeout=5,
                           on_wait=lambda role, awaited, running: told.append((role, awaited, sorted(r.label for r in running))))
    runner.prefetch({"nb": "the notebook", "gg": "the ggplot"}, parallel=2)
    runner.run("nb", "the notebook")
    assert told and all(t[:2] == ("container:rstudio", "the notebook") for t in told)
    assert told[0][2] == ["the ggplot", "the notebook"]


@pytest.mark.filterwarnings("ignore::pytest.PytestUnknownMarkWarning")  # the plugin registers it; off here
def test_a_probe_with_placeholders_cannot_be_prefetched():
    from wslgpu_certify.probes.probe import Probe, prefetch

    with pytest.raises(ValueError, match="placeholders"):
        prefetch("rstudio_container", Probe("curl http://127.0.0.1:{port}/", str))
    assert prefetch("rstudio_container", Probe("python3 -m rpy2.situation", str)).name == "prefetch"


def test_failure_quotes_the_error_line_and_a_script_by_its_first_line():
    from wslgpu_certify.probes.probe import shown, telling_line

    r_output = ("Error in py_module_import(module, convert = convert) :\n"
                "  ModuleNotFoundError: No module named 'tensorflow'\nExecution halted\n")
    assert telling_line(r_output) == "ModuleNotFoundError: No module named 'tensorflow'"
    assert telling_line("all good\nlast words\n") == "last words"
    assert shown("Rscript - <<'EOF'\ncat(1)\nEOF", "R imports TensorFlow") == "`Rscript - <<'EOF'` (R imports TensorFlow)"
    assert shown("docker info") == "`docker info`"
