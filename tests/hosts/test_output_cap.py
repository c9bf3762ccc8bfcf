"""A command's output is read up to OUTPUT_CAP bytes per stream, never more: past it the command is
stopped, the record says so, and no check passes on it (the cap named in the message and evidence).

Live commands that flood (through the real executor), the Docker SDK streams (exec and logs, faked
here at the SDK's interface, and once on the real engine when one answers), and a live suite run
whose `docker` floods (live_fakes.py, fault `flood`).
"""

import json
import os
import subprocess
import sys

import pytest

import live_fakes
from suite_run import REPO, SNAPSHOTS
from wslgpu_certify import evidence
from wslgpu_certify.containers.executors import DockerRecords, capped_exec, follow_logs, jupyter_ready
from wslgpu_certify.findings import CheckFailed
from wslgpu_certify.hosts.executors import OUTPUT_CAP, ReplayExecutor, local_shell
from wslgpu_certify.hosts.records import CommandRecord
from wslgpu_certify.hosts.runner import CommandRunner
from wslgpu_certify.hosts.testinfra_backend import make_host
from wslgpu_certify.probes.probe import run

CAP_NAMED = f"output cut at {OUTPUT_CAP // 2**20} MB"
FLOODS = [
    "yes",
    "cat /dev/zero | tr '\\0' x",
    f"{sys.executable} -c \"import sys\nwhile True: sys.stdout.write('a' * 4096)\"",  # no newline, ever
    "yes 'to stderr' >&2",
    f"head -c {OUTPUT_CAP + 1} /dev/zero | tr '\\0' y",  # finite: one byte over
    "yes & yes >&2; wait",  # both streams at once
]


@pytest.mark.parametrize("command", FLOODS)
def test_a_flooding_command_is_cut_at_the_cap_and_stopped(command):
    record = local_shell()(command, timeout=120)
    assert record.cut_at == OUTPUT_CAP and record.exit_status is None and not record.timed_out
    assert len(record.stdout.encode()) <= OUTPUT_CAP and len(record.stderr.encode()) <= OUTPUT_CAP
    assert max(len(record.stdout), len(record.stderr)) >= OUTPUT_CAP // 2  # it read up to the cap


def test_output_up_to_the_cap_is_read_whole():
    record = local_shell()(f"head -c {OUTPUT_CAP} /dev/zero | tr '\\0' z; echo done >&2", timeout=120)
    assert record.cut_at == 0 and record.exit_status == 0
    assert record.stdout == "z" * OUTPUT_CAP and record.stderr == "done\n"


def _host(execute) -> object:
    return make_host(CommandRunner("wsl", execute, timeout=120))


def test_a_cut_output_fails_its_check_and_the_evidence_says_where():
    buffer = evidence.EvidenceBuffer()
    with evidence.collecting(buffer), pytest.raises(CheckFailed) as failed:
        run(_host(local_shell()), "yes")
    assert CAP_NAMED in str(failed.value) and "`yes`" in str(failed.value)
    assert buffer.evidence[-1].excerpt.endswith(f"[{CAP_NAMED}]")


def test_a_recorded_cut_replays_as_the_same_failure():
    cut = CommandRecord("docker info", None, "x" * 100, "", 0.1, cut_at=OUTPUT_CAP)
    data = cut.to_json()
    assert data["cut_at"] == OUTPUT_CAP and "cut_at" not in CommandRecord("a", 0, "", "", 0.0).to_json()
    replayed = CommandRecord.from_json("docker info", data)
    assert replayed == cut
    with evidence.collecting(evidence.EvidenceBuffer()), pytest.raises(CheckFailed, match=CAP_NAMED):
        run(_host(ReplayExecutor("wsl", {"docker info": replayed})), "docker info")


def test_testinfra_reads_a_cut_command_as_killed():
    assert _host(local_shell()).run("yes").rc == 137


# ---- the Docker SDK's streams, faked at its interface ---------------------------------------------------

class FakeApi:
    """docker.APIClient's exec calls: exec_start(stream=True, demux=True) yields (stdout, stderr) pieces."""

    def __init__(self, pieces, exit_code=0):
        self.pieces, self.exit_code, self.inspected = pieces, exit_code, False

    def exec_create(self, container_id, argv, **_):
        return {"Id": "e1"}

    def exec_start(self, exec_id, stream, demux):
        assert stream and demux  # never the buffered form
        yield from self.pieces

    def exec_inspect(self, exec_id):
        self.inspected = True
        return {"ExitCode": self.exit_code}


class FakeContainer:
    id = "c1"

    def __init__(self, api=None, log_chunks=()):
        self.client = type("Client", (), {"api": api})()
        self._log_chunks = log_chunks

    def logs(self, **_):
        return FakeLog(self._log_chunks)


class FakeLog:
    def __init__(self, chunks):
        self._chunks = iter(chunks)

    def __iter__(self):
        return self._chunks

    def close(self):
        pass


def _forever(piece):
    while True:
        yield piece


@pytest.mark.parametrize("pieces, stream", [
    (_forever((b"y\n" * 32768, None)), 0),  # stdout floods
    (_forever((None, b"e" * 65536)), 1),  # stderr floods, no newline
    (_forever((b"o" * 1000, b"e" * 70000)), 1),  # both, stderr first past the cap
])
def test_docker_exec_is_read_as_a_stream_up_to_the_cap(pieces, stream):
    api = FakeApi(pieces)
    exit_code, out, err, cut = capped_exec(FakeContainer(api), ["yes"])
    assert cut and exit_code is None and not api.inspected
    assert len((out, err)[stream]) == OUTPUT_CAP and len(out) <= OUTPUT_CAP


def test_docker_exec_within_the_cap_is_whole_with_its_exit_code():
    api = FakeApi([(b"hello ", None), (None, b"warn\n"), (b"world\n", None)], exit_code=3)
    assert capped_exec(FakeContainer(api), ["x"]) == (3, b"hello world\n", b"warn\n", False)


def test_a_flooding_container_log_is_cut():
    ready, log, cut = follow_logs(FakeContainer(log_chunks=_forever(b"z" * 65536)), jupyter_ready, timeout=60)
    assert cut and not ready and len(log) == OUTPUT_CAP


def test_readiness_is_seen_across_chunks_of_a_long_log():
    url = b"    http://127.0.0.1:8888/lab?token=0123456789abcdef\n"
    chunks = [b"noise line\n" * 5000] * 10 + [url[:20], url[20:41], url[41:]]
    ready, log, cut = follow_logs(FakeContainer(log_chunks=iter(chunks)), jupyter_ready, timeout=60)
    assert ready and not cut and log.endswith(url.decode())


class FakeManager:
    ready_timeout = 60

    def __init__(self, container):
        self._container = container

    def container(self, role):
        return self._container


def test_a_flooding_jupyter_log_is_a_cut_record_and_a_ready_one_hands_its_token_over_by_name():
    learnt = {}
    flooding = DockerRecords(FakeManager(FakeContainer(log_chunks=_forever(b"W" * 65536))), learnt.__setitem__)
    record = flooding("logs tensorflow", timeout=60)
    assert record.cut_at == OUTPUT_CAP and record.exit_status == 1 and "8 MB" in record.stderr and not learnt
    url = b"http://127.0.0.1:8888/lab?token=0123456789abcdef0123\n"
    ready = DockerRecords(FakeManager(FakeContainer(log_chunks=iter([b"starting\n", url]))), learnt.__setitem__)
    record = ready("logs tensorflow", timeout=60)
    assert record.exit_status == 0 and record.cut_at == 0
    assert learnt == {"jupyter token of tensorflow": "0123456789abcdef0123"}


def test_docker_exec_on_the_real_engine_is_capped():
    docker = pytest.importorskip("docker")
    try:
        client = docker.from_env(timeout=30)
        client.ping()
        image = next(tag for i in client.images.list() for tag in i.tags if tag.startswith("local/wslgpu-standin"))
    except Exception as exc:  # no engine, or no image to run: nothing to measure here
        pytest.skip(f"no Docker Engine with the stand-in image: {exc}")
    container = client.containers.run(image, ["sleep", "120"], detach=True, auto_remove=True,
                                      labels={"wslgpu-test": "output-cap"}, entrypoint=[])
    try:
        exit_code, out, _, cut = capped_exec(container, ["timeout", "30", "yes"])
        assert cut and exit_code is None and len(out) == OUTPUT_CAP
        assert capped_exec(container, ["sh", "-c", "echo hi; echo err >&2; exit 3"]) == (3, b"hi\n", b"err\n", False)
    finally:
        container.kill()


# ---- a live suite run whose `docker` floods -----------------------------------------------------------

def test_a_live_run_whose_docker_floods_fails_those_checks_naming_the_cap(tmp_path):
    argv, environ, marker = live_fakes.suite_run(tmp_path, "linux", "docker:flood", 60.0, REPO,
                                                 SNAPSHOTS / "documented-healthy.json")
    proc = subprocess.run(argv, cwd=REPO, env=environ, capture_output=True, text=True, timeout=300,
                          stdin=subprocess.DEVNULL)
    output = proc.stdout + proc.stderr
    results = tmp_path / "reports" / "latest" / "results.json"
    assert "Traceback" not in output and results.exists(), output[-3000:]
    assert not live_fakes.leftovers(marker)
    checks = json.loads(results.read_text())["checks"]
    docker_reads = [c for c in checks if any(e["command"].startswith("docker ") for e in c.get("evidence") or [])]
    assert docker_reads and all(c["outcome"] != "passed" for c in docker_reads), \
        [(c["id"], c["outcome"]) for c in docker_reads]
    assert any(CAP_NAMED in c["message"] for c in docker_reads)
    assert os.path.getsize(results) < 4 * OUTPUT_CAP  # evidence keeps excerpts, not the flood
