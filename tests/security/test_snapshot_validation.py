"""A malformed or hostile snapshot ends as one line and exit 4, never a traceback (issue 20, classes 4 and 7).

Most cases load in-process (`load_snapshot` raises SnapshotError, the one-line usage error); a few go
through the real CLI to show the exit code, the absence of a traceback and of a results.json left
`running`, and that `metadata.env` can no longer switch the Windows layer off and certify.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from suite_run import SNAPSHOTS
from wslgpu_certify.hosts.snapshot import BUNDLED_SNAPSHOTS, bundled_snapshot_names, load_snapshot, snapshot_path
from wslgpu_certify.hosts.snapshot_file import FORMAT, MAX_SNAPSHOT_BYTES, SnapshotError

HEALTHY = SNAPSHOTS / "documented-healthy.json"
RECORD = {"exit_status": 0, "stdout": "ok\n", "stderr": "", "duration": 0.1}


def _snapshot(**fields) -> dict:
    return {"format": FORMAT, "metadata": {"env": "wsl", "hostname": "box"}, "hosts": {"wsl": {"true": RECORD}},
            **fields}


def _with(path: list, value) -> dict:
    """The small snapshot above with one field (a path of keys) set to `value`."""
    data = _snapshot()
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return data


BAD_TYPES = [  # (what, snapshot, words of the one-line error)
    ("hostname an int", _with(["metadata", "hostname"], 7), "metadata.hostname must be a string"),
    ("hostname a list", _with(["metadata", "hostname"], ["a"]), "metadata.hostname must be a string"),
    ("distro an object", _with(["metadata", "distro"], {"a": 1}), "metadata.distro must be a string"),
    ("user a number", _with(["metadata", "user"], 1000), "metadata.user must be a string"),
    ("env a script", _with(["metadata", "env"], "<script>alert(1)</script>"), "metadata.env must be one of"),
    ("env a list", _with(["metadata", "env"], ["wsl"]), "metadata.env must be one of"),
    ("env replay", _with(["metadata", "env"], "replay"), "metadata.env must be one of"),
    ("env null", _with(["metadata", "env"], None), "metadata.env must be one of"),
    ("other metadata nested", _with(["metadata", "extra"], [[[]]]), "metadata.extra must be a string"),
    ("metadata a list", _with(["metadata"], []), "must be JSON objects"),
    ("hosts a string", _with(["hosts"], "x"), "must be JSON objects"),
    ("unknown role", _with(["hosts", "root@evil"], {}), "unknown host role"),
    ("role a list", _with(["hosts", "wsl"], ["x"]), "hosts.wsl must map commands"),
    ("record a string", _with(["hosts", "wsl", "true"], "ok"), "must be an object or null"),
    ("duration text", _with(["hosts", "wsl", "true"], {**RECORD, "duration": "abc"}), "duration must be a number"),
    ("duration true", _with(["hosts", "wsl", "true"], {**RECORD, "duration": True}), "duration must be a number"),
    ("duration negative", _with(["hosts", "wsl", "true"], {**RECORD, "duration": -1}), "duration must be a number"),
    ("exit status text", _with(["hosts", "wsl", "true"], {**RECORD, "exit_status": "0"}), "exit_status must be an integer"),
    ("exit status float", _with(["hosts", "wsl", "true"], {**RECORD, "exit_status": 0.5}), "exit_status must be an integer"),
    ("stdout a list", _with(["hosts", "wsl", "true"], {**RECORD, "stdout": ["a"]}), "stdout must be a string"),
    ("stderr a number", _with(["hosts", "wsl", "true"], {**RECORD, "stderr": 1}), "stderr must be a string"),
    ("timed_out text", _with(["hosts", "wsl", "true"], {**RECORD, "timed_out": "yes"}), "timed_out must be true or false"),
    ("cut_at text", _with(["hosts", "wsl", "true"], {**RECORD, "cut_at": "abc"}), "cut_at must be a number of bytes"),
    ("cut_at negative", _with(["hosts", "wsl", "true"], {**RECORD, "cut_at": -1}), "cut_at must be a number of bytes"),
    ("cut_at a list", _with(["hosts", "wsl", "true"], {**RECORD, "cut_at": [8]}), "cut_at must be a number of bytes"),
    ("extends a list", _snapshot(extends=["a.json"]), "\"extends\" must be a string"),
    ("extends a number", _snapshot(extends=3), "\"extends\" must be a string"),
    ("extends empty", _snapshot(extends=""), "\"extends\" must name a snapshot file"),
    ("format missing", {"hosts": {}}, "is not a wslgpu-certify-snapshot/1 file"),
]

SURROGATES = [  # a lone surrogate wherever a string goes
    _with(["hosts", "wsl", "true"], {**RECORD, "stdout": "a\ud800b"}),
    _with(["hosts", "wsl", "true"], {**RECORD, "stderr": "\udfff"}),
    _with(["hosts", "wsl", "cat \udc80"], RECORD),
    _with(["metadata", "hostname"], "box\ud83d"),
    _with(["metadata", "description"], "\udbff"),
    _with(["metadata", "x\ud800"], 1),
]


def _write(tmp_path: Path, data, name: str = "bad.json") -> Path:
    path = tmp_path / name
    # ensure_ascii writes a lone surrogate as the \ud800 escape, as a hostile file would hold it
    path.write_text(json.dumps(data) if not isinstance(data, str) else data, encoding="utf-8")
    return path


def _refused(path: Path) -> str:
    with pytest.raises(SnapshotError) as caught:
        load_snapshot(path)
    message = str(caught.value)
    assert "\n" not in message and "Traceback" not in message
    return message


@pytest.mark.parametrize("what, data, words", BAD_TYPES, ids=[c[0] for c in BAD_TYPES])
def test_a_field_of_the_wrong_type_is_one_line(tmp_path, what, data, words):
    assert words in _refused(_write(tmp_path, data))


def test_the_small_snapshot_itself_loads(tmp_path):
    """The control for the cases above: only the changed field makes them fail."""
    snapshot = load_snapshot(_write(tmp_path, _snapshot()))
    assert snapshot.metadata["env"] == "wsl" and snapshot.role("wsl")["true"].stdout == "ok\n"
    for env in ("wsl", "windows", "linux"):
        assert load_snapshot(_write(tmp_path, _with(["metadata", "env"], env))).metadata["env"] == env


def test_a_lone_surrogate_anywhere_is_refused(tmp_path):
    for data in SURROGATES:
        assert "lone UTF-16 surrogate" in _refused(_write(tmp_path, data))


@pytest.mark.parametrize("text, words", [
    ("[" * 100_000 + "]" * 100_000, "nests its JSON too deeply"),
    ('{"format": "%s", "metadata": %s}' % (FORMAT, "[" * 50_000 + "]" * 50_000), "nests its JSON too deeply"),
    # Python 3.11+ refuses to convert the integer (int_max_str_digits), 3.10 converts it: either way one line
    ('{"format": "%s", "hosts": {"wsl": {"x": {"exit_status": %s}}}}' % (FORMAT, "9" * 5000),
     ("is not usable JSON", "exit_status must be an integer")),
    ('{"format": "%s", "hosts": {"wsl": {"x": {"exit_status": %d}}}}' % (FORMAT, 2**40), "exit_status must be an integer"),
    ('{"format": "%s", "hosts": {"wsl": {"x": {"duration": NaN}}}}' % FORMAT, "duration must be a number"),
    ('{"format": "%s", "hosts": {"wsl": {"x": {"duration": Infinity}}}}' % FORMAT, "duration must be a number"),
    ("\ufeff{}", "is not valid JSON"),
])
def test_json_no_snapshot_could_hold_is_one_line(tmp_path, text, words):
    message = _refused(_write(tmp_path, text))
    assert any(w in message for w in ((words,) if isinstance(words, str) else words)), message


def test_size_is_capped_before_reading(tmp_path):
    path = tmp_path / "huge.json"
    with open(path, "wb") as file:  # sparse: the cap is read off the size, nothing is read
        file.truncate(MAX_SNAPSHOT_BYTES + 1)
    assert "over the" in _refused(path) and "MAX_SNAPSHOT_BYTES" in _refused(path)


def test_extends_never_reads_a_device_a_fifo_or_a_path_outside(tmp_path):
    folder = tmp_path / "snaps"
    folder.mkdir()
    os.mkfifo(folder / "pipe.json")
    (folder / "zero.json").symlink_to("/dev/zero")
    (folder / "outside.json").symlink_to(tmp_path / "elsewhere.json")
    (tmp_path / "elsewhere.json").write_text(json.dumps(_snapshot()))
    cases = [("/dev/zero", "leaves the snapshot's folder"), ("/dev/stdin", "leaves the snapshot's folder"),
             ("/etc/passwd", "leaves the snapshot's folder"), ("../elsewhere.json", "leaves the snapshot's folder"),
             (str(tmp_path / "elsewhere.json"), "leaves the snapshot's folder"),
             ("outside.json", "leaves the snapshot's folder"),  # a symlink out of the folder
             ("pipe.json", "not a regular file"), ("zero.json", "leaves the snapshot's folder"),
             (".", "not a regular file"), ("a" * 5000, "cannot be"), ("missing.json", "snapshot not found")]
    for extends, words in cases:
        message = _refused(_write(folder, _snapshot(extends=extends), "child.json"))
        assert words in message, (extends, message)
    # a device named directly is refused the same way
    assert "not a regular file" in _refused(Path("/dev/null"))


def test_extends_a_snapshot_beside_it_or_a_bundled_one(tmp_path):
    (tmp_path / "base.json").write_text(json.dumps(_snapshot()))
    beside = load_snapshot(_write(tmp_path, _snapshot(extends="base.json", hosts={"wsl": {"false": RECORD}})))
    assert set(beside.role("wsl")) == {"true", "false"}
    for extends in ("documented-healthy.json", str(HEALTHY)):  # a bundled snapshot by name or by its path
        extended = load_snapshot(_write(tmp_path, _snapshot(extends=extends, hosts={})))
        assert "cmd.exe /c ver" in extended.role("windows")


def test_a_long_chain_of_extends_is_cut(tmp_path):
    for i in range(12):
        (tmp_path / f"s{i}.json").write_text(json.dumps(_snapshot(**({"extends": f"s{i + 1}.json"} if i < 11 else {}))))
    assert "extends a chain of more than" in _refused(tmp_path / "s0.json")


def test_every_bundled_snapshot_still_loads():
    for path in sorted(SNAPSHOTS.glob("*.json")):
        assert load_snapshot(path).hosts, path


def test_every_bundled_snapshot_is_reachable_by_its_bare_name():
    names = bundled_snapshot_names()
    assert names == sorted(p.stem for p in SNAPSHOTS.glob("*.json")) and "documented-healthy" in names
    for name in names:
        assert snapshot_path(name) == BUNDLED_SNAPSHOTS / f"{name}.json"
        assert load_snapshot(snapshot_path(name)).hosts, name


def test_a_file_a_path_or_a_json_name_is_taken_as_given(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "documented-healthy").write_text("{}")  # a file of that name here wins over the bundled one
    for value in ("documented-healthy", "./current-healthy", "sub/documented-healthy", "current-healthy.json",
                  str(tmp_path / "x"), "/nonexistent/documented-healthy"):
        assert snapshot_path(value) == Path(value), value


@pytest.mark.parametrize("name, words", [
    ("documented-helthy", "did you mean documented-healthy"),
    ("current-healty", "did you mean current-healthy"),
    ("moon", "did you mean current-desktop-healthy, current-healthy, documented-healthy"),
    ("..", None),  # an existing folder: a folder of snapshots, as before
    ("broken-wsl1\\..\\..\\etc", "nor a bundled example snapshot"),  # never a path built from a name
    ("profiles", "nor a bundled example snapshot"),
])
def test_an_unknown_bare_name_is_one_line_with_the_nearest(name, words, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    if words is None:
        assert snapshot_path(name) == Path(name)
        return
    with pytest.raises(SnapshotError) as raised:
        snapshot_path(name)
    message = str(raised.value)
    assert words in message and "\n" not in message and "wslgpu-certify --list-snapshots" in message


# ---- through the CLI: exit 4, one line, no results.json left running ----------------------------------

def test_the_cli_refuses_each_with_exit_4(certify, tmp_path):
    """One run per family, each stopped before a check runs (the env one used to certify the machine)."""
    cases = [
        (_with(["metadata", "env"], ["wsl"]), "metadata.env must be one of"),
        (_with(["hosts", "wsl", "true"], {**RECORD, "stdout": "\ud800"}), "lone UTF-16 surrogate"),
        ("[" * 100_000, "nests its JSON too deeply"),
        (_snapshot(extends="/dev/zero"), "leaves the snapshot's folder"),
    ]
    for i, (data, words) in enumerate(cases):
        path = _write(tmp_path, data, f"case{i}.json")
        run = certify("--snapshot", str(path))
        assert run.returncode == 4, run.output
        assert words in run.output and "Traceback" not in run.output and "INTERNALERROR" not in run.output
        assert not any('"running"' in p.read_text() for p in run.reports.rglob("results.json"))
