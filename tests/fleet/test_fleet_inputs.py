"""What `wslgpu-fleet collect` reads besides the folders: expected machines, format 2 documents,
and bad input of every kind (one line, exit 2 for unusable input, 4 for bad usage, never a traceback)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

import fleet_sim as sim
from suite_run import REPO, SNAPSHOTS, make_runner
from wslgpu_certify.fleet.expected import ExpectedError, read_expected

INI = """# the fleet
ws-solo ansible_host=10.0.0.9

[lab]
lab[01:03].example ansible_user=analyst
lab-b[a:c]

[render]
render[1:9:4]

[gpu:children]
lab
render

[gpu:vars]
ansible_connection=ssh
"""
YAML = """all:
  hosts:
    ws-solo:
  children:
    gpu:
      children:
        lab:
          hosts:
            lab[01:03].example:
            lab-ba:
        render:
          hosts:
            render1: {ansible_port: 2222}
    other:
      hosts:
        spare:
"""
INVENTORIES = {
    "text.txt": ("ws-01\n# retired: ws-02\n\nws-03  \n", None, ["ws-01", "ws-03"]),
    "matrix.json": (json.dumps([{"machine": "ws-01", "labels": ["gpu"]}, {"machine": "ws-03"}]), None, ["ws-01", "ws-03"]),
    "include.json": (json.dumps({"include": [{"name": "a"}, {"id": "b"}]}), None, ["a", "b"]),
    "names.json": (json.dumps(["x", "y", "x"]), None, ["x", "y"]),
    "hosts.ini": (INI, None, ["ws-solo", "lab01.example", "lab02.example", "lab03.example", "lab-ba", "lab-bb", "lab-bc",
                              "render1", "render5", "render9"]),
    "group.ini": (INI, "gpu", ["lab01.example", "lab02.example", "lab03.example", "lab-ba", "lab-bb", "lab-bc",
                               "render1", "render5", "render9"]),
    "hosts.yml": (YAML, None, ["ws-solo", "lab01.example", "lab02.example", "lab03.example", "lab-ba", "render1", "spare"]),
    "group.yaml": (YAML, "gpu", ["lab01.example", "lab02.example", "lab03.example", "lab-ba", "render1"]),
}


@pytest.mark.parametrize("name", INVENTORIES)
def test_expected_machines_are_read_from_each_format(tmp_path, name):
    text, group, want = INVENTORIES[name]
    (tmp_path / name).write_text(text)
    assert sorted(read_expected(tmp_path / name, group)) == sorted(want)


@pytest.mark.parametrize("name", [n for n in INVENTORIES if n.endswith((".ini", ".yml", ".yaml"))])
def test_inventories_are_read_as_ansible_reads_them(tmp_path, name):
    """Ansible's own `ansible-inventory --list` names the same hosts (its rules, not ours)."""
    binary = shutil.which("ansible-inventory") or (shutil.which("ansible-inventory", path=str(__import__("pathlib").Path(sys.executable).parent)))
    if not binary:
        pytest.skip("ansible-core is not installed (pip install ansible-core)")
    text, group, _ = INVENTORIES[name]
    (tmp_path / name).write_text(text)
    listed = json.loads(subprocess.run([binary, "-i", str(tmp_path / name), "--list"], capture_output=True, text=True,
                                       timeout=60, check=True).stdout)

    def hosts(g, seen=()):
        body = listed.get(g, {})
        found = set(body.get("hosts", []))
        for child in body.get("children", []):
            found |= hosts(child)
        return found

    assert set(read_expected(tmp_path / name, group)) == hosts(group or "all")


@pytest.mark.parametrize("text, words", [
    ("[lab]\nws[1:999999999]\n", "larger than"),
    ("[lab]\nws[9:1]\n", "empty"),
    ("[lab:weird]\nws1\n", "unknown section kind"),
    ('[{"labels": ["gpu"]}]', "names no machine"),
])
def test_a_bad_inventory_is_one_line_naming_the_problem(tmp_path, text, words):
    (tmp_path / "hosts").write_text(text)
    with pytest.raises(ExpectedError, match=words):
        read_expected(tmp_path / "hosts")


def _cli(*args, cwd=REPO):
    env = {"PYTHONPATH": str(REPO / "plugins"), "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, "-m", "wslgpu_certify.fleet", *args], capture_output=True, text=True,
                          timeout=60, cwd=cwd, env=env)


@pytest.mark.parametrize("args, code, words", [
    (["collect", "R", "--expected", "missing.txt"], 2, "cannot read the expected machines"),
    (["collect", "R", "--expected", "empty.txt"], 2, "names no machine"),
    (["collect", "R", "--expected", "list.txt", "--group", "lab"], 2, "has no such group"),
    (["collect", "R", "--max-age", "soon"], 4, "is not an age"),
    (["collect", "R", "--fail-on", "certified"], 4, "unknown verdict"),
    (["collect", "R", "--group", "lab"], 4, "--group needs --expected"),
    (["collect"], 4, "the following arguments are required"),
    (["collect", "nowhere"], 2, "no machine folder found"),
    (["collect", "nowhere", "--expected", "list.txt"], 1, "does not exist: nothing read"),
    (["collect", "R", "--expected", "list.txt", "--previous", "garbage.json"], 1, "is not JSON (9 bytes"),
    (["collect", "R", "--expected", "list.txt", "--ci-status", "garbage.json"], 1, "neither JSON nor JSON Lines"),
    (["collect", "R", "--expected", "list.txt", "--out", "list.txt"], 2, "cannot write"),
])
def test_bad_input_is_one_line_never_a_traceback(tmp_path, args, code, words):
    sim.write_fleet(tmp_path / "R", sim.make_fleet(2, seed=1), None)
    (tmp_path / "empty.txt").write_text("# nobody\n")
    (tmp_path / "list.txt").write_text("ws-0000\nws-0001\n")
    (tmp_path / "garbage.json").write_text("{not json")
    proc = _cli(*args, cwd=tmp_path)
    assert proc.returncode == code, proc.stderr
    assert words in proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("content, words", [
    (b"", "is not JSON (0 bytes"),
    (b"\xff\xfe{\x00", "is not JSON"),
    (b"[1, 2]", "a JSON list"),
    (b'{"format": "wslgpu-certify-results/3", "checks": "no"}', "missing its checks"),
    (b"[" * 100_000, "is nested deeper than 64 levels"),
])
def test_a_results_json_that_cannot_be_believed_is_invalid(tmp_path, content, words):
    (tmp_path / "R" / "ws-1" / "latest").mkdir(parents=True)
    (tmp_path / "R" / "ws-1" / "latest" / "results.json").write_bytes(content)
    (tmp_path / "list.txt").write_text("ws-1\n")
    proc = _cli("collect", "R", "--expected", "list.txt", cwd=tmp_path)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    machine = json.loads((tmp_path / "fleet" / "fleet.json").read_text())["machines"][0]
    assert machine["verdict"] == "INVALID" and words in machine["reason"]


def test_format_2_documents_of_the_real_suite_are_read(tmp_path):
    """The suite's results.json as format 2 had it (format 3 less its run envelope and facts): the machine
    is `machine.hostname`, the facts come from the checks' figures."""
    for name in ("documented-healthy", "broken-nbody-slow"):
        run = make_runner(tmp_path / name)("--snapshot", str(SNAPSHOTS / f"{name}.json"))
        assert run.results["format"] == "wslgpu-certify-results/3"
        document = {key: value for key, value in run.results.items() if key not in ("run", "facts")}
        document["format"] = "wslgpu-certify-results/2"
        folder = tmp_path / "R" / document["machine"]["hostname"].replace("gpu-workstation", name)
        document["machine"]["hostname"] = folder.name
        (folder / "latest").mkdir(parents=True)
        (folder / "latest" / "results.json").write_text(json.dumps(document))
    (tmp_path / "list.txt").write_text("documented-healthy\nbroken-nbody-slow\n")
    proc = _cli("collect", "R", "--expected", "list.txt", cwd=tmp_path)
    machines = {m["machine"]: m for m in json.loads((tmp_path / "fleet" / "fleet.json").read_text())["machines"]}
    assert proc.returncode == 1
    healthy, slow = machines["documented-healthy"], machines["broken-nbody-slow"]
    assert (healthy["verdict"], slow["verdict"]) == ("CERTIFIED", "NOT CERTIFIED")
    assert healthy["gpu_model"] == slow["gpu_model"] == "GeForce RTX 2070"
    assert healthy["facts"]["nbody_gflops"] > slow["facts"]["nbody_gflops"] * 1.5
    assert healthy["facts"]["driver"] and healthy["facts"]["windows_build"] and healthy["facts"]["toolkit"]
    assert slow["root_cause"]["id"] == "gpu.nbody.performance" and slow["root_cause"]["fix"]


def test_docs_fleet_md_names_every_verdict_and_every_fleet_json_key(tmp_path):
    """docs/fleet.md stays in step with what collect writes."""
    from wslgpu_certify.fleet.verdicts import VERDICTS

    doc = (REPO / "docs" / "fleet.md").read_text()
    sim.write_fleet(tmp_path / "R", sim.make_fleet(3, seed=1), None)
    _cli("collect", "R", cwd=tmp_path)
    fleet = json.loads((tmp_path / "fleet" / "fleet.json").read_text())
    keys = set(fleet) | set(fleet["machines"][0]) | set(fleet["machines"][0]["run"]) | set(fleet["machines"][0]["facts"])
    assert [k for k in sorted(keys) if f"`{k}`" not in doc] == []
    assert [v for v in VERDICTS if f"| `{v}` |" not in doc] == []
    assert [v.flag for v in VERDICTS.values() if v.name != "CERTIFIED" and f"`{v.flag}`" not in doc] == []


def test_collect_imports_neither_pytest_nor_the_machine_rooms(tmp_path):
    """The aggregation job has no machine: a collect loads no pytest, testinfra, docker, hosts or probes."""
    sim.write_fleet(tmp_path / "R", sim.make_fleet(3, seed=1), None)
    code = ("import sys, runpy; sys.argv = ['wslgpu-fleet', 'collect', 'R', '--out', 'fleet']\n"
            "try:\n    runpy.run_module('wslgpu_certify.fleet', run_name='__main__')\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pytest', '_pytest', 'testinfra', 'docker')"
            " or m.split('.')[:2] in (['wslgpu_certify', 'hosts'], ['wslgpu_certify', 'probes'], ['wslgpu_certify', 'parsers'],"
            " ['wslgpu_certify', 'containers'])))")
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60,
                          env={"PYTHONPATH": str(REPO / "plugins"), "PATH": "/usr/bin:/bin"})
    assert proc.stdout.strip().splitlines()[-1] == "[]", proc.stdout + proc.stderr


def _laughs(width: int, levels: int, leaf: str = "x") -> str:
    """A 'billion laughs': each level a list of `width` aliases of the one before (width ** levels leaves)."""
    lines = [f"l0: &l0 [{', '.join([leaf] * width)}]"]
    lines += [f"l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * width)}]" for n in range(1, levels)]
    return "\n".join(lines) + "\nall:\n  hosts:\n    ws-1:\n"


def _children_bomb(width: int, levels: int) -> str:
    """Groups whose children are the group before, aliased `width` times: a walk of width ** levels groups."""
    lines = ["g0: &g0 {hosts: {ws-1: }}", "all:", "  children:"]
    for n in range(1, levels):
        kids = ", ".join(f"c{k}: *g{n - 1}" for k in range(width))
        lines.insert(-2, f"g{n}: &g{n} {{children: {{{kids}}}}}")
    return "\n".join(lines) + f"\n    top: *g{levels - 1}\n"


YAML_BOMBS = {
    "laughs 9x9": (_laughs(9, 9), "expand to more than"),
    "laughs 3x20": (_laughs(3, 20), "expand to more than"),
    "laughs of long strings": (_laughs(10, 7, "x" * 50), "expand to more than"),
    "children 2x30": (_children_bomb(2, 30), "expand to more than"),
    "many aliases": ("a: &a x\nall:\n  hosts: {" + ", ".join(f"h{n}: *a" for n in range(150)) + "}\n", "more than 100 YAML aliases"),
    "merge keys": ("b: &b {a: 1}\n" + "".join(f"m{n}: &m{n} {{<<: [{', '.join([f'*m{n - 1}' if n else '*b'] * 8)}]}}\n"
                                              for n in range(8)) + "all: {hosts: {ws-1: }}\n", "expand to more than"),
    "self reference": ("all: &a\n  children:\n    g: *a\n", "contains it"),
    "deep flow": ("all: " + "[" * 5000 + "]" * 5000 + "\n", "nested too deep"),
    "children a list": ("all:\n  children: [a, b]\n", "children is not a mapping"),
    "hosts a string": ("all:\n  hosts: ws-1\n", "hosts is not a mapping"),
}


@pytest.mark.parametrize("name", YAML_BOMBS)
def test_a_yaml_inventory_bomb_is_refused_in_one_line(tmp_path, name):
    text, words = YAML_BOMBS[name]
    assert len(text) < 20_000
    (tmp_path / "hosts.yml").write_text(text)
    with pytest.raises(ExpectedError, match=words) as refused:
        read_expected(tmp_path / "hosts.yml")
    assert "\n" not in str(refused.value)


def test_a_few_aliases_sharing_variables_are_read(tmp_path):
    (tmp_path / "hosts.yml").write_text("all:\n  vars: &v {ansible_user: analyst}\n  children:\n    lab:\n      vars: *v\n"
                                        "      hosts: {ws-1: *v, ws-2: *v}\n")
    assert read_expected(tmp_path / "hosts.yml") == ["ws-1", "ws-2"]


RANGE_BOMBS = {
    "two ranges": "[lab]\nws[00000:99999][00000:99999]\n",
    "three small ranges": "[lab]\nws[0:99]-[0:99]-[0:99]\n",
    "letters times numbers": "[lab]\nws[a:z][A:Z][0:999]\n",
    "lines each under the cap": "[a]\nws[0:60000]\n[b]\nvs[0:60000]\n",
    "a group of ranges": "\n".join(f"r{n}-[0:9999]" for n in range(11)) + "\n",
}


@pytest.mark.parametrize("name", RANGE_BOMBS)
def test_host_ranges_are_capped_in_all_before_a_name_is_made(tmp_path, name):
    import tracemalloc

    (tmp_path / "hosts").write_text(RANGE_BOMBS[name])
    tracemalloc.start()
    with pytest.raises(ExpectedError, match="more than the 100,000 an inventory may name"):
        read_expected(tmp_path / "hosts")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 64 * 2**20  # refused while counting, not after making names (10^10 names were 3.9 GB)


def test_yaml_host_ranges_share_the_cap(tmp_path):
    (tmp_path / "hosts.yml").write_text("all:\n  hosts:\n    ws[0:70000]:\n    vs[0:70000]:\n")
    with pytest.raises(ExpectedError, match="more than the 100,000"):
        read_expected(tmp_path / "hosts.yml")


def test_a_huge_inventory_is_refused_before_it_is_read(tmp_path):
    import os

    (tmp_path / "hosts").write_bytes(b"")
    os.truncate(tmp_path / "hosts", 200 * 2**20)
    with pytest.raises(ExpectedError, match="more than the 8,388,608 read"):
        read_expected(tmp_path / "hosts")
