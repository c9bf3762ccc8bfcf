"""One machine never stops the fleet view (issue 20, classes 3, 8, 10, 11): hostile results.json,
status.json and folders, each a family of payloads. After every one, all four outputs exist and
parse (fleet.json as strict JSON, fleet-junit.xml as XML), no temporary file is left, and the
machine is one row: INVALID with a one-line reason, or its own verdict with the text made safe.
In-process (cli.main): one pytest process for the whole file.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tracemalloc
import xml.etree.ElementTree as ET

import pytest

import fleet_sim as sim
from wslgpu_certify.fleet import untrusted
from wslgpu_certify.fleet.cli import main
from wslgpu_certify.fleet.documents import read_results

RUN = "4711"
NOW = "2026-11-30T06:00:00+00:00"
OUTPUTS = ("fleet.json", "fleet.html", "fleet-junit.xml", "fleet-summary.md")
MACHINES = [m for m in sim.make_fleet(30, seed=5) if m.certified][:3]
VICTIM = MACHINES[0].name


def _no_constant(name):
    raise AssertionError(f"fleet.json holds {name}: not strict JSON")


def collect(tmp_path, *args, expected=True) -> tuple[int, dict]:
    """Collect tmp_path/R into tmp_path/fleet; check every output is there and parses; (exit, fleet.json)."""
    listed = ["--expected", str(tmp_path / "expected.txt")] if expected else []
    (tmp_path / "expected.txt").write_text("".join(m.name + "\n" for m in MACHINES))
    code = main(["collect", str(tmp_path / "R"), "--run-id", RUN, "--now", NOW, "--out", str(tmp_path / "fleet"),
                 *listed, *args])
    out = tmp_path / "fleet"
    assert sorted(os.listdir(out)) == sorted(OUTPUTS)  # every output, and no temporary file left
    texts = {name: (out / name).read_bytes().decode("utf-8") for name in OUTPUTS}  # strict UTF-8: no lone surrogate
    document = json.loads(texts["fleet.json"], parse_constant=_no_constant)
    ET.fromstring(texts["fleet-junit.xml"].encode("utf-8"))
    assert "Traceback" not in texts["fleet.html"]
    return code, document


def plant(tmp_path, change, name=VICTIM, raw: bytes | None = None):
    """Write the fleet, then the victim's results.json changed by `change(doc)` (or replaced by `raw`)."""
    sim.write_fleet(tmp_path / "R", MACHINES, RUN)
    path = tmp_path / "R" / name / "latest" / "results.json"
    if raw is None:
        document = sim.document(next(m for m in MACHINES if m.name == name), RUN)
        document["checks"][0].update(outcome="failed", message="boom", remediation={"summary": "fix it"})
        document["verdict"] = document["headline"] = "NOT CERTIFIED"
        change(document)
        raw = json.dumps(document).encode()  # ensure_ascii: a lone surrogate is written as its \ud800 escape
    path.write_bytes(raw)
    return path


def row(document, name=VICTIM) -> dict:
    [entry] = [m for m in document["machines"] if m["machine"] == name]
    return entry


def one_row_for_each_machine(document):
    assert sorted(m["machine"] for m in document["machines"]) == sorted(m.name for m in MACHINES)


# --- class 3: a lone surrogate anywhere ------------------------------------------------------------------------
SURROGATES = {
    "headline": lambda d: d.update(headline="CERTIFIED \ud800"),
    "message": lambda d: d["checks"][0].update(message="bad \udfff byte"),
    "fix": lambda d: d["checks"][0].update(remediation={"summary": "run \ud83d alone"}),
    "check id": lambda d: d["checks"][0].update(id="windows.\udc80build"),
    "title": lambda d: d["checks"][0].update(title="\ud800\ud800"),
    "gpu fact": lambda d: d["facts"].update(gpu="RTX \udbff"),
    "driver fact": lambda d: d["facts"].update(driver="\ud800"),
    "a key": lambda d: d.update({"extra\ud800": 1}),
    "machine id": lambda d: d["run"].update(machine_id=VICTIM + "\ud800"),
    "evidence": lambda d: d["checks"][1]["evidence"][0].update(excerpt="\udfff" * 1000),
}


@pytest.mark.parametrize("where", SURROGATES)
def test_a_lone_surrogate_anywhere_is_one_row_and_every_output_is_written(tmp_path, where):
    plant(tmp_path, SURROGATES[where])
    code, document = collect(tmp_path)
    one_row_for_each_machine(document)
    entry = row(document)
    assert code == 1 and entry["verdict"] in ("NOT CERTIFIED", "INVALID")
    if where == "machine id":
        assert entry["verdict"] == "INVALID" and "\ufffd" in entry["reason"]


def test_a_surrogate_written_as_raw_utf8_bytes_is_read_as_a_replacement(tmp_path):
    """ED A0 80 is a surrogate in (invalid) UTF-8: json decodes it with surrogatepass, the fleet replaces it."""
    path = plant(tmp_path, lambda d: d["checks"][0].update(message="SURROGATE"))
    path.write_bytes(path.read_bytes().replace(b"SURROGATE", b"\xed\xa0\x80"))
    code, document = collect(tmp_path)
    assert row(document)["root_cause"]["message"] == "\ufffd"


# --- class 3: nesting --------------------------------------------------------------------------------------------
DEEP = {
    "brackets": b"[" * 200_000,
    "objects": b'{"a":' * 100_000,
    "mixed": b'[{"a":' * 60_000,
    "closed, 2000 deep": b"[" * 2000 + b"]" * 2000,
    "closed, 100 deep": b"[" * 100 + b"]" * 100,
    "inside a check": json.dumps({"format": "wslgpu-certify-results/3", "verdict": "CERTIFIED",
                                  "checks": [{"id": "x", "outcome": "passed", "figures": {"f": [[[[[[[[[[]]]]]]]]]]}}]})
                      .replace("[[[[[[[[[[]]]]]]]]]]", "[" * 500 + "]" * 500).encode(),
}


@pytest.mark.parametrize("shape", DEEP)
def test_deep_nesting_is_one_invalid_row(tmp_path, shape):
    plant(tmp_path, None, raw=DEEP[shape])
    code, document = collect(tmp_path)
    entry = row(document)
    assert (code, entry["verdict"]) == (1, "INVALID")
    assert "nested deeper than 64 levels" in entry["reason"] or "is not JSON" in entry["reason"]
    assert "\n" not in entry["reason"]


@pytest.mark.parametrize("shape", [b"{},", b"[],", b'{"a":[]},', b"[[[]]],"])
def test_a_document_of_too_many_objects_is_refused_before_parsing(tmp_path, shape):
    """Parsed, `{},` costs about 80 bytes of memory for 3 of JSON: the count is taken first."""
    plant(tmp_path, None, raw=b"[" + shape * 1_100_000 + b"0]")
    code, document = collect(tmp_path)
    assert (code, row(document)["verdict"]) == (1, "INVALID") and "objects and arrays" in row(document)["reason"]


@pytest.mark.parametrize("status", [b"[" * 200_000, b'{"' + VICTIM.encode() + b'":' * 50_000, b"\xff" * 10,
                                    b"x" * (untrusted.MAX_STATUS_BYTES + 1), b'{"machine": "' + VICTIM.encode() + b'", "status": NaN}'])
def test_a_hostile_status_json_is_the_machines_reason_never_a_crash(tmp_path, status):
    sim.write_fleet(tmp_path / "R", MACHINES[1:], RUN)
    (tmp_path / "R" / VICTIM).mkdir(parents=True)
    (tmp_path / "R" / VICTIM / "status.json").write_bytes(status)
    code, document = collect(tmp_path)
    entry = row(document)
    assert (code, entry["verdict"]) == (1, "NO REPORT") and "\n" not in entry["reason"]


# --- class 3: size -----------------------------------------------------------------------------------------------
def test_a_huge_results_json_is_refused_before_it_is_read(tmp_path):
    path = plant(tmp_path, lambda d: None)
    os.truncate(path, 300 * 2**20)  # sparse: 300 MB that costs no disk
    tracemalloc.start()
    reading = read_results(path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert reading.problem == "is 314,572,800 bytes, more than the 16,777,216 read (not read)"
    assert peak < 2**20  # not one megabyte was read
    code, document = collect(tmp_path)
    assert row(document)["verdict"] == "INVALID" and "314,572,800 bytes" in row(document)["reason"]


def test_a_device_or_a_file_that_grows_is_not_read_whole(tmp_path):
    with pytest.raises(untrusted.Unusable, match="not a regular file"):
        untrusted.read_capped("/dev/zero", 1000)
    (tmp_path / "f").write_bytes(b"x" * 1001)
    with pytest.raises(untrusted.Unusable, match="more than the 1,000"):
        untrusted.read_capped(tmp_path / "f", 1000)


@pytest.mark.parametrize("field", ["headline", "message", "fix", "gpu", "machine_id", "title", "check id"])
def test_a_long_string_is_clipped_in_every_output(tmp_path, field):
    big = "A" * 3_000_000
    plant(tmp_path, {
        "headline": lambda d: d.update(headline=big), "message": lambda d: d["checks"][0].update(message=big),
        "fix": lambda d: d["checks"][0].update(remediation={"summary": big}), "gpu": lambda d: d["facts"].update(gpu=big),
        "machine_id": lambda d: d["run"].update(machine_id=big), "title": lambda d: d["checks"][0].update(title=big),
        "check id": lambda d: d["checks"][0].update(id=big)}[field])
    collect(tmp_path)
    for name in OUTPUTS:
        assert (tmp_path / "fleet" / name).stat().st_size < 200_000, name
    assert untrusted.ELLIPSIS in (tmp_path / "fleet" / "fleet.json").read_text()


# --- class 3: field types ----------------------------------------------------------------------------------------
WRONG_TYPES = {
    "hostname int": (lambda d: d["machine"].update(hostname=7), "machine.hostname a JSON integer"),
    "machine id list": (lambda d: d["run"].update(machine_id=["ws"]), "run.machine_id a JSON array"),
    "check a string": (lambda d: d["checks"].insert(0, "passed"), "checks[0] that is a JSON str"),
    "check id int": (lambda d: d["checks"][0].update(id=3), "checks[0].id a JSON integer"),
    "check id missing": (lambda d: d["checks"][0].pop("id"), "checks[0].id missing"),
    "outcome object": (lambda d: d["checks"][0].update(outcome={"x": 1}), "checks[0].outcome a JSON object"),
    "message list": (lambda d: d["checks"][0].update(message=["a"] * 10), "checks[0].message a JSON array"),
    "remediation list": (lambda d: d["checks"][0].update(remediation=["fix"]), "checks[0].remediation a JSON array"),
    "fix number": (lambda d: d["checks"][0].update(remediation={"summary": 1.5}), "remediation.summary a JSON number"),
    "known causes string": (lambda d: d["checks"][0].update(known_causes="x"), "known_causes a JSON string"),
    "known cause list": (lambda d: d["checks"][0].update(known_causes=[[1]]), "known_causes[0] a JSON array"),
    "exit status string": (lambda d: d["run"].update(exit_status="0"), "run.exit_status a JSON string"),
    "exit status bool": (lambda d: d["run"].update(exit_status=True), "run.exit_status a JSON boolean"),
    "complete string": (lambda d: d.update(complete="yes"), "complete a JSON string"),
    "facts list": (lambda d: d.update(facts=[1]), "facts a JSON array"),
    "run list": (lambda d: d.update(run=[1]), "run a JSON array"),
    "headline object": (lambda d: d.update(headline={"a": 1}), "headline a JSON object"),
    "too many checks": (lambda d: d.update(checks=d["checks"] * 40), "checks, more than the 2,000"),
}


@pytest.mark.parametrize("case", WRONG_TYPES)
def test_a_field_of_the_wrong_type_is_one_invalid_row_naming_it(tmp_path, case):
    change, words = WRONG_TYPES[case]
    plant(tmp_path, change)
    code, document = collect(tmp_path)
    entry = row(document)
    assert (code, entry["verdict"]) == (1, "INVALID")
    assert words in entry["reason"]


# --- class 8: NaN and Infinity, control characters, Markdown and HTML -----------------------------------------------
NUMBERS = {
    "nbody NaN": (b'"nbody_gflops": 1', b'"nbody_gflops": NaN'),
    "nbody Infinity": (b'"nbody_gflops": 1', b'"nbody_gflops": Infinity'),
    "baseline -Infinity": (b'"nbody_baseline_gflops": 1', b'"nbody_baseline_gflops": -Infinity'),
    "nbody 1e999": (b'"nbody_gflops": 1', b'"nbody_gflops": 1e999'),
    "exit status NaN": (b'"exit_status": 0', b'"exit_status": NaN'),
    "duration NaN": (b'"duration": 0.01', b'"duration": NaN'),
    "a figure Infinity": (b'"figures": {}', b'"figures": {"x": Infinity}'),
    "nbody 400 digits": (b'"nbody_gflops": 1', b'"nbody_gflops": ' + b"9" * 400),
    "nbody 1e299": (b'"nbody_gflops": 1', b'"nbody_gflops": 1e299'),
    "nbody negative": (b'"nbody_gflops": 1', b'"nbody_gflops": -5e3'),
    "baseline 0": (b'"nbody_baseline_gflops": 1', b'"nbody_baseline_gflops": 0'),
}


@pytest.mark.parametrize("case", NUMBERS)
def test_nan_and_infinity_in_any_number_leave_fleet_json_strict(tmp_path, case):
    old, new = NUMBERS[case]
    path = plant(tmp_path, lambda d: d["facts"].update(nbody_gflops=1, nbody_baseline_gflops=1))
    raw = path.read_bytes()
    assert old in raw
    path.write_bytes(raw.replace(old, new))
    code, document = collect(tmp_path)  # collect() parses fleet.json refusing NaN and Infinity
    assert row(document)["facts"]["nbody_gflops"] in (None, 1.0, 1e299, -5e3)


CONTROLS = ["\x1b]0;owned\x07", "\x00", "\x08\x08\x08CERTIFIED", "\x0c\x0b", "\ufffe\uffff", "\x1b[8mhidden\x1b[0m"]


@pytest.mark.parametrize("control", CONTROLS, ids=[repr(c) for c in CONTROLS])
@pytest.mark.parametrize("field", ["message", "fix", "title", "headline", "check id", "gpu", "driver"])
def test_control_characters_in_each_message_field_keep_the_junit_well_formed(tmp_path, field, control):
    text = f"a{control}b"
    plant(tmp_path, {
        "message": lambda d: d["checks"][0].update(message=text), "fix": lambda d: d["checks"][0].update(remediation={"summary": text}),
        "title": lambda d: d["checks"][0].update(title=text), "headline": lambda d: d.update(headline=text),
        "check id": lambda d: d["checks"][0].update(id=text), "gpu": lambda d: d["facts"].update(gpu=text),
        "driver": lambda d: d["facts"].update(driver=text)}[field])
    collect(tmp_path)  # parses fleet-junit.xml
    junit = (tmp_path / "fleet" / "fleet-junit.xml").read_text()
    summary = (tmp_path / "fleet" / "fleet-summary.md").read_text()
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", junit)  # what XML 1.0 forbids
    assert not re.search("[\x00-\x1f]", summary.replace("\n", ""))
    if field in ("message", "fix", "check id", "driver", "gpu"):  # what junit shows: visibly
        assert re.search(r"\\x[0-1][0-9a-f]|\\ufff[ef]", junit)


INJECTIONS = ["[click](https://evil.example/x)", "![pixel](https://evil.example/p.png)", "<img src=x onerror=alert(1)>",
              "a | b | c", "`code` ``x``", "<https://evil.example>", "www.evil.example", "**bold** _it_ ~~s~~",
              "# heading", "<script>alert(1)</script>", "&lt;img&gt;", "[ref]: https://evil.example"]


@pytest.mark.parametrize("payload", INJECTIONS)
def test_markdown_and_html_from_a_machine_are_text_in_the_summary(tmp_path, payload):
    plant(tmp_path, lambda d: (d["checks"][0].update(id=payload, message=payload, remediation={"summary": payload})))
    collect(tmp_path)
    summary = (tmp_path / "fleet" / "fleet-summary.md").read_text()
    assert "<" not in summary and ">" not in summary.replace("\n> ", "\n")
    assert not re.search(r"(?<!\\)[\[\]`]", summary), summary
    assert not re.search(r"(?<!\\)(https?:|www\.)", summary.replace("https\\:", "").replace("www\\.", ""))
    for line in summary.splitlines():
        if line.startswith("| "):  # a table row keeps its columns: every | in a value is escaped
            assert len(re.findall(r"(?<!\\)\|", line)) in (3, 4), line


# --- class 10: outputs written without following a link ------------------------------------------------------------
@pytest.mark.parametrize("output", OUTPUTS)
def test_an_output_is_never_written_through_a_link_in_out(tmp_path, output):
    sim.write_fleet(tmp_path / "R", MACHINES, RUN)
    (tmp_path / "fleet").mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    (tmp_path / "fleet" / output).symlink_to(victim)
    collect(tmp_path)
    assert victim.read_text() == "keep me"
    assert not (tmp_path / "fleet" / output).is_symlink() and (tmp_path / "fleet" / output).stat().st_size > 100


def test_a_failed_write_leaves_no_temporary_file(tmp_path, monkeypatch):
    from wslgpu_certify import atomic_file

    sim.write_fleet(tmp_path / "R", MACHINES, RUN)
    monkeypatch.setattr(atomic_file.os, "replace", lambda *a: (_ for _ in ()).throw(OSError(28, "No space left on device")))
    code = main(["collect", str(tmp_path / "R"), "--out", str(tmp_path / "fleet")])
    assert code == 2 and os.listdir(tmp_path / "fleet") == []


def test_temporary_names_are_unpredictable(tmp_path, monkeypatch):
    """A name planted in advance (the pid-named one of old) is not the one written: mkstemp picks another."""
    sim.write_fleet(tmp_path / "R", MACHINES, RUN)
    (tmp_path / "fleet").mkdir()
    for name in OUTPUTS:
        (tmp_path / "fleet" / f".{name}.{os.getpid()}.tmp").symlink_to(tmp_path / "planted")
    main(["collect", str(tmp_path / "R"), "--out", str(tmp_path / "fleet")])
    assert not (tmp_path / "planted").exists()


# --- class 11: an artifact is believed only for its own, expected machine -----------------------------------------
def test_a_folder_for_a_machine_nobody_expects_is_not_read_nor_counted(tmp_path):
    sim.write_fleet(tmp_path / "R", MACHINES, RUN, "github")
    stranger = sim.make_fleet(40, seed=9)[-1]
    sim.write_machine(tmp_path / "R", stranger, RUN, "github")
    code, document = collect(tmp_path)
    entry = row(document, stranger.name)
    assert (entry["verdict"], entry["expected"], entry["format"]) == ("INVALID", False, None)
    assert "not an expected machine" in entry["reason"] and code == 0  # shown, not counted


@pytest.mark.parametrize("layout", ["github", "gitlab", "ansible"])
def test_another_machines_document_in_a_folder_is_invalid_saying_whose(tmp_path, layout):
    sim.write_fleet(tmp_path / "R", MACHINES, RUN, layout)
    sim.write_machine(tmp_path / "forged", MACHINES[1], RUN, layout)  # B's document ...
    target = sim.machine_folder(tmp_path / "R", VICTIM, layout)
    for path in target.rglob("results.json"):  # ... in A's folder (a job that uploaded under A's name)
        path.write_bytes(next(sim.machine_folder(tmp_path / "forged", MACHINES[1].name, layout).rglob("results.json")).read_bytes())
    code, document = collect(tmp_path)
    assert row(document)["verdict"] == "INVALID" and f"machine '{MACHINES[1].name}'" in row(document)["reason"]
    assert row(document, MACHINES[1].name)["verdict"] == "CERTIFIED"  # B itself is still judged from its own folder


@pytest.mark.parametrize("status", [
    {"machine": "elsewhere", "status": "success", "reason": "fine"},
    {"elsewhere": {"status": "success", "reason": "fine"}},
    [{"machine": "elsewhere", "status": "success"}, {"machine": "other", "status": "success"}],
    {"elsewhere": {"status": "success"}, "other": {"status": "queued"}},
])
def test_a_status_json_naming_another_machine_is_not_believed(tmp_path, status):
    sim.write_fleet(tmp_path / "R", MACHINES[1:], RUN)
    (tmp_path / "R" / VICTIM).mkdir(parents=True)
    (tmp_path / "R" / VICTIM / "status.json").write_text(json.dumps(status))
    _, document = collect(tmp_path)
    assert row(document)["ci_status"]["status"] == "mismatched" and "'elsewhere'" in row(document)["reason"]


def test_a_bare_run_folder_is_the_machine_its_name_and_document_agree_on(tmp_path):
    """One --reports-dir of run folders (`<ts>-<machine>-<run id>`): a document naming another machine than
    its folder's is INVALID under the folder's name, never counted as the machine it claims."""
    for m in MACHINES:
        sim.write_machine(tmp_path / "scratch", m, RUN)
    (tmp_path / "R").mkdir()
    for m in MACHINES:
        source = m if m.name != VICTIM else MACHINES[1]  # the victim's folder holds B's document
        (tmp_path / "R" / f"20261130T023000Z-{m.name}-{RUN}").mkdir()
        (tmp_path / "R" / f"20261130T023000Z-{m.name}-{RUN}" / "results.json").write_bytes(
            (tmp_path / "scratch" / source.name / "latest" / "results.json").read_bytes())
    _, document = collect(tmp_path)
    assert row(document)["verdict"] == "INVALID" and f"machine '{MACHINES[1].name}'" in row(document)["reason"]
    assert row(document, MACHINES[1].name)["verdict"] == "CERTIFIED"


@pytest.mark.parametrize("link", ["machine folder", "latest folder", "results.json"])
def test_a_symbolic_link_in_the_results_is_not_followed(tmp_path, link):
    sim.write_fleet(tmp_path / "R", MACHINES[1:], RUN)
    sim.write_machine(tmp_path / "elsewhere", MACHINES[0], RUN)
    real = tmp_path / "elsewhere" / VICTIM
    (tmp_path / "R" / VICTIM / "latest").mkdir(parents=True)
    target, place = {"machine folder": (real, tmp_path / "R" / VICTIM),
                     "latest folder": (real / "latest", tmp_path / "R" / VICTIM / "latest"),
                     "results.json": (real / "latest" / "results.json", tmp_path / "R" / VICTIM / "latest" / "results.json")}[link]
    shutil.rmtree(place) if place.is_dir() else None
    place.symlink_to(target)
    _, document = collect(tmp_path)
    assert row(document)["verdict"] == "NO REPORT"


def test_a_results_json_swapped_for_a_link_after_discovery_is_not_followed(tmp_path):
    path = plant(tmp_path, lambda d: None)
    (tmp_path / "secret.json").write_bytes(path.read_bytes())  # a believable document, elsewhere on the collector
    path.unlink()
    path.symlink_to(tmp_path / "secret.json")
    reading = read_results(path)  # read_results alone: discover would not have offered a link at all
    assert reading.problem.startswith("cannot be read")
