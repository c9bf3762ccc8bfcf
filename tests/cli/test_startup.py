"""What the `wslgpu-certify` command loads and imports at start-up, and the frozen heap (heap.py).

What one replay costs against a one-test run of pytest alone in a clean venv is measured, not asserted
here (a timing assertion fails on a shared 2-vCPU CI machine): `python bench/startup_bench.py` prints the
wall-time ratio (median of interleaved runs).

- The command loads the pytest plugins its run needs and no other installed one (tool_plugins.py):
  ours always, pytest-html (and the pytest-metadata it reads) when log.html is written (a live run, or a
  replay given --html), xdist only with one of its options, never pytest-testinfra's plugin (the host
  fixtures use the testinfra library);
  a stand-in user plugin, installed with a pytest11 entry point, is not loaded by the command and is
  by plain `pytest` beside ours (its entry point, or `-p wslgpu_certify` with autoload off).
- A replay starts no container, so it never imports the Docker SDK (nor requests/urllib3,
  which only the SDK brings); only containers/ imports docker, inside functions.
- A second run in the same process frees what the first one froze.
- The command pauses the garbage collector through start-up and collection only, and never leaves it off; it runs
  the checks with --assert=plain (they fail by raising, never by assert) unless told otherwise.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from suite_run import REPO, SNAPSHOTS


IN_PROCESS = """
import contextlib, gc, io, json, sys, weakref
import pytest

class Cycle:  # garbage from the moment it is made: only its own attribute refers to it
    pass

class Probe:
    def __init__(self):
        self.cycle = None
        self.frozen_at_configure = None

    @pytest.hookimpl(trylast=True)  # after the suite's own pytest_configure
    def pytest_configure(self, config):
        self.frozen_at_configure = gc.get_freeze_count()

    @pytest.hookimpl(tryfirst=True)  # just before the suite freezes the heap
    def pytest_collection_finish(self, session):
        cycle = Cycle()
        cycle.me = cycle
        self.cycle = weakref.ref(cycle)

def replay(reports, probe):
    with contextlib.redirect_stdout(io.StringIO()):
        return int(pytest.main(["-q", "-p", "no:cacheprovider", "--snapshot", sys.argv[1], "--reports-dir", reports],
                               plugins=[probe]))

first, second = Probe(), Probe()
rcs = [replay(sys.argv[2] + "/1", first)]
frozen_after_first, first_cycle_after_first = gc.get_freeze_count(), first.cycle() is not None
modules = sorted({name.split(".")[0] for name in sys.modules})
rcs.append(replay(sys.argv[2] + "/2", second))
print(json.dumps({"rc": rcs, "modules": modules, "frozen_after_first": frozen_after_first,
                  "first_cycle_after_first": first_cycle_after_first,
                  "frozen_at_second_configure": second.frozen_at_configure,
                  "first_cycle_after_second": first.cycle() is not None}))
"""


@pytest.fixture(scope="module")
def two_replays(tmp_path_factory):
    reports = tmp_path_factory.mktemp("in-process")
    proc = subprocess.run([sys.executable, "-c", IN_PROCESS, str(SNAPSHOTS / "documented-healthy.json"), str(reports)],
                          cwd=REPO, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(REPO / "plugins")})
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_a_replay_imports_no_container_sdk(two_replays):
    assert two_replays["rc"] == [0, 0]
    assert not {"docker", "requests", "urllib3"} & set(two_replays["modules"]), two_replays["modules"]


def test_a_second_run_in_one_process_frees_what_the_first_froze(two_replays):
    # the first run froze its heap, garbage included (a cycle made just before the freeze outlives the run)
    assert two_replays["frozen_after_first"] > 0 and two_replays["first_cycle_after_first"] is True
    # the second run unfroze it as it started, and the collector freed that garbage
    assert two_replays["frozen_at_second_configure"] == 0
    assert two_replays["first_cycle_after_second"] is False


# The collector while the command runs (heap.paused_while_starting): off through start-up and collection, on
# again for the checks, on after the command returns, even when it ends before collecting (a usage error); a
# caller that had it off keeps it off.
GC_PROBE = """
import gc

SEEN = {}

def pytest_configure(config):
    SEEN.setdefault("configure", gc.isenabled())
    SEEN.setdefault("assert", config.getoption("assertmode"))
    SEEN.setdefault("capture", config.getoption("capture"))

def pytest_collectstart(collector):
    SEEN.setdefault("collecting", gc.isenabled())

def pytest_runtest_call(item):
    SEEN.setdefault("checks", gc.isenabled())
"""
THROUGH_THE_TOOL_GC = """
import contextlib, gc, io, json, sys
from wslgpu_certify.cli import main
import gc_probe
out = {}
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    out["rc"] = main(["--snapshot", sys.argv[1], "-q", "--reports-dir", sys.argv[2]])
    out["seen"] = dict(gc_probe.SEEN)
    out["after"] = gc.isenabled()
    out["usage rc"] = main(["--snapshot", sys.argv[1], "--no-such-option"])
    out["after usage error"] = gc.isenabled()
    gc.disable()
    main(["--snapshot", sys.argv[1], "-q", "--reports-dir", sys.argv[2]])
    out["caller's off kept"] = not gc.isenabled()
    gc.enable()
    gc_probe.SEEN.clear()
    main(["--snapshot", sys.argv[1], "-q", "--reports-dir", sys.argv[2], "--assert=rewrite", "-s"])
    out["asked for"] = [gc_probe.SEEN["assert"], gc_probe.SEEN["capture"]]
print(json.dumps(out))
"""


def test_the_collector_is_paused_while_the_command_starts_and_only_then(tmp_path):
    (tmp_path / "gc_probe.py").write_text(GC_PROBE)
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")},
           "PYTHONPATH": os.pathsep.join([str(tmp_path), str(REPO / "plugins")]), "PYTEST_PLUGINS": "gc_probe"}
    proc = subprocess.run([sys.executable, "-c", THROUGH_THE_TOOL_GC, str(SNAPSHOTS / "documented-healthy.json"),
                           str(tmp_path / "reports")], cwd=REPO, capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["rc"] == 0 and out["usage rc"] == 4
    assert out["seen"] == {"configure": False, "assert": "plain", "capture": "sys", "collecting": False, "checks": True}
    assert out["asked for"] == ["rewrite", "no"]  # the user's --assert and -s win over the command's own
    assert out["after"] is True and out["after usage error"] is True and out["caller's off kept"] is True


# ---- which plugins the command loads (tool_plugins.py) ------------------------------------------------------

HTML = {"html", "html_fixtures", "metadata"}
XDIST = {"xdist", "xdist.looponfail"}


def loaded_by(argv: list[str], addopts: str = "") -> set[str]:
    from wslgpu_certify.tool_plugins import OURS, plugin_args

    args = plugin_args(argv, addopts)
    assert args[::2] == ["-p"] * (len(args) // 2) and OURS not in args, args  # ours: through PYTEST_PLUGINS
    return set(args[1::2])


@pytest.mark.parametrize("argv", [[], ["--env", "wsl"], ["-q", "-x", "--check", "gpu."], ["-k", "nvidia", "--layer", "gpu"],
                                  ["-p", "no:randomly"], ["--record", "box.json"]])
def test_a_live_run_loads_ours_and_pytest_html_and_no_xdist(argv):
    assert loaded_by(argv) == HTML


@pytest.mark.parametrize("argv", [["--snapshot", "documented-healthy"], ["--snapshot=x.json", "-q"],
                                  ["--snapshot", "a", "--snapshot", "b", "--check", "gpu."]])
def test_a_replay_writes_no_detailed_log_so_loads_no_pytest_html(argv):
    assert loaded_by(argv) == set()


@pytest.mark.parametrize("argv", [["--snapshot", "x", "--html", "log.html"], ["--snapshot=x", "--html=r/l.html"],
                                  ["--snapshot", "x", "--self-contained-html"]])
def test_a_replay_given_html_loads_pytest_html(argv):
    assert loaded_by(argv) == HTML


@pytest.mark.parametrize("argv", [["-p", "no:html"], ["-pno:html"], ["--env", "wsl", "-p", "no:html", "-q"]])
def test_no_html_leaves_pytest_html_and_metadata_unloaded(argv):
    assert loaded_by(argv) == set()


@pytest.mark.parametrize("argv", [["--collect-only"], ["--co", "-q"], ["--fixtures"], ["--markers"],
                                  ["--fixtures-per-test"]])
def test_only_listing_writes_no_log_so_loads_no_pytest_html(argv):
    assert loaded_by(argv) == set()


@pytest.mark.parametrize("argv", [["--co", "--html", "x.html"], ["--collect-only", "--html=x.html"],
                                  ["--markers", "--self-contained-html"], ["--co", "--metadata", "k", "v"],
                                  ["--co", "--css=site.css"]])
def test_a_pytest_html_option_loads_it_even_when_only_listing(argv):
    assert loaded_by(argv) == HTML


@pytest.mark.parametrize("argv", [["-n", "2"], ["-n2"], ["-nauto"], ["--numprocesses=3"], ["--numprocesses", "3"],
                                  ["--dist", "load"], ["--dist=loadscope"], ["--maxprocesses=2"], ["--tx", "popen"],
                                  ["-q", "-x", "-n", "auto", "--layer", "gpu"]])
def test_an_xdist_option_loads_xdist(argv):
    assert loaded_by(argv) == HTML | XDIST
    assert loaded_by(["--snapshot", "x", *argv]) == XDIST


@pytest.mark.parametrize("argv", [["--no-header"], ["--durations=5"], ["--deselect", "x"], ["-v", "--strict-markers"],
                                  ["--junitxml", "j.xml"], ["--nodeids"]])
def test_options_that_are_not_xdists_load_no_xdist(argv):
    assert not loaded_by(argv) & XDIST


@pytest.mark.parametrize("addopts, expected", [("-n 2", HTML | XDIST), ("--dist=load -p no:html", XDIST),
                                               ("-q", HTML), ("--co", set()), ("--snapshot x", set()),
                                               ("--html x.html --snapshot x", HTML)])
def test_pytest_addopts_counts_like_the_command_line(addopts, expected):
    assert loaded_by([], addopts) == expected


@pytest.mark.parametrize("argv, addopts, expected", [
    ([], "", ["--assert=plain"]),  # a live run: fd capture, pytest's own
    (["--env", "wsl", "-x"], "", ["--assert=plain"]),
    (["--snapshot", "x"], "", ["--assert=plain", "--capture=sys"]),  # a replay runs no program
    (["--snapshot=x", "-s"], "", ["--assert=plain"]),
    (["--snapshot", "x", "--capture=fd"], "", ["--assert=plain"]),
    (["--snapshot", "x"], "--assert=rewrite", ["--capture=sys"]),
    (["--assert", "rewrite"], "", []),
])
def test_the_commands_own_options_yield_to_the_users(argv, addopts, expected):
    from wslgpu_certify.tool_plugins import run_options

    assert run_options(argv, addopts) == expected


def test_pytests_help_lists_every_plugin_the_run_could_load():
    assert loaded_by(["--help"]) == HTML | XDIST


# A plugin of the user's own, installed with a pytest11 entry point (a dist-info beside it on PYTHONPATH), and a
# probe that writes which plugins each process registered (PYTEST_PLUGINS loads it even with autoload off).
USER_PLUGIN = '''
def pytest_addoption(parser):
    parser.addoption("--userplug-flag", action="store_true")
'''
PROBE = '''
import json, os

def pytest_configure(config):
    names = sorted(name for name, plugin in config.pluginmanager.list_name_plugin() if plugin is not None)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "controller")
    with open(os.path.join(os.environ["PLUGIN_PROBE_DIR"], f"{os.getpid()}-{worker}.json"), "w") as out:
        json.dump({"worker": worker, "names": names, "argv": config.invocation_params.args}, out)

def pytest_unconfigure(config):
    import sys
    worker = os.environ.get("PYTEST_XDIST_WORKER", "controller")
    with open(os.path.join(os.environ["PLUGIN_PROBE_DIR"], f"{os.getpid()}-{worker}.modules"), "w") as out:
        json.dump(sorted(sys.modules), out)
'''
THROUGH_THE_TOOL = """
import json, os, sys
from wslgpu_certify.cli import main
reports, cases = sys.argv[1], json.loads(sys.argv[2])
rcs = []
for n, argv in enumerate(cases):
    os.environ["PLUGIN_PROBE_DIR"] = os.path.join(reports, f"probe-{n}")
    os.makedirs(os.environ["PLUGIN_PROBE_DIR"])
    rcs.append(main([*argv, "--reports-dir", os.path.join(reports, f"run-{n}")]))
print(json.dumps({"rc": rcs, "autoload_after": os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD"),
                  "plugins_after": os.environ.get("PYTEST_PLUGINS")}))
"""


@pytest.fixture(scope="module")
def user_site(tmp_path_factory):
    site = tmp_path_factory.mktemp("user-site")
    (site / "userplug.py").write_text(USER_PLUGIN)
    (site / "plugin_probe.py").write_text(PROBE)
    info = site / "userplug-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: userplug\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[pytest11]\nuserplug = userplug\n")
    return site


def _env(site, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    return {**env, "PYTHONPATH": os.pathsep.join([str(site), str(REPO / "plugins")]), "PYTEST_PLUGINS": "plugin_probe",
            **extra}


def _probed(folder) -> list[dict]:
    return sorted((json.loads(p.read_text()) for p in folder.glob("*.json")), key=lambda d: d["worker"])


@pytest.fixture(scope="module")
def tool_runs(user_site, tmp_path_factory):
    """Four runs of the command in one process: a replay, the same under xdist, a listing, a replay given --html."""
    reports = tmp_path_factory.mktemp("tool-plugins")
    snapshot = str(SNAPSHOTS / "documented-healthy.json")
    cases = [["--snapshot", snapshot, "-q"], ["--snapshot", snapshot, "-q", "-n", "2"],
             ["--snapshot", snapshot, "--collect-only", "-q"],
             ["--snapshot", snapshot, "-q", "--html", str(reports / "mine" / "log.html")]]
    proc = subprocess.run([sys.executable, "-c", THROUGH_THE_TOOL, str(reports), json.dumps(cases)], cwd=REPO,
                          capture_output=True, text=True, timeout=300, env=_env(user_site))
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    return result, [_probed(reports / f"probe-{n}") for n in range(len(cases))], reports


def test_the_command_loads_what_a_replay_needs_and_no_other_installed_plugin(tool_runs):
    result, (replay, *_), reports = tool_runs
    assert result["rc"][0] == 0 and [p["worker"] for p in replay] == ["controller"]
    names = set(replay[0]["names"])
    assert {"wslgpu_certify.plugin", "wslgpu_certify.fixtures"} <= names, names
    # installed here, and not loaded: the user's plugin, pytest-html (a replay), xdist (no -n), testinfra's plugin
    assert not {"userplug", "pytest11.testinfra", "hypothesispytest", "benchmark", "profiling"} & names, names
    assert not names & (XDIST | HTML), names
    # pytest's own plugins the command has no use for (tool_plugins.UNUSED_BUILTINS), pastebin among them; the rest
    from wslgpu_certify.tool_plugins import UNUSED_BUILTINS
    assert "pastebin" in UNUSED_BUILTINS and not set(UNUSED_BUILTINS) & names, names
    assert {"terminal", "capturemanager", "junitxml", "logging", "skipping", "warnings"} & names == \
        {"terminal", "capturemanager", "junitxml", "logging", "skipping", "warnings"}, names
    (folder,) = (reports / "run-0").glob("2*")
    assert {p.name for p in folder.iterdir()} >= {"results.json", "report.html", "junit.xml"}
    assert not (folder / "log.html").exists() and 'href="log.html"' not in (folder / "report.html").read_text()
    assert result["autoload_after"] is None and result["plugins_after"] == "plugin_probe"  # the caller's, as it was
    # the first run of the process: what a replay imported, at its end
    (modules,) = [json.loads(p.read_text()) for p in (reports / "probe-0").glob("*.modules")]
    heavy = {"jinja2", "pytest_html", "pytest_metadata", "xdist", "docker", "requests", "hypothesis", "pytest_benchmark"}
    assert not heavy & {name.split(".")[0] for name in modules}, heavy & {name.split(".")[0] for name in modules}
    assert "wslgpu_certify.signatures.families" not in modules  # decodes a failure no signature names: none here
    assert "wslgpu_certify.plugin" in modules and "PIL.PngImagePlugin" in modules and "PIL.JpegImagePlugin" not in modules


def test_a_replay_given_html_loads_pytest_html_and_keeps_its_log(tool_runs):
    result, (*_, given_html), reports = tool_runs
    assert result["rc"][3] == 0 and HTML <= set(given_html[0]["names"]), given_html
    (folder,) = (reports / "run-3").glob("2*")
    assert (reports / "mine" / "log.html").is_file() and (folder / "log.html").is_file()  # where asked, and a copy
    assert 'href="log.html"' in (folder / "report.html").read_text()


def test_under_xdist_each_worker_loads_ours_and_not_the_users(tool_runs):
    result, (_, xdist, *_), reports = tool_runs
    assert result["rc"][1] == 0
    assert [p["worker"] for p in xdist] == ["controller", "gw0", "gw1"], xdist
    for process in xdist:
        names = set(process["names"])
        assert {"wslgpu_certify.plugin", "xdist"} <= names and not {"userplug", "html", "metadata"} & names, process
    assert json.loads(next((reports / "run-1").glob("*/results.json")).read_text())["verdict"] == "CERTIFIED"


def test_a_listing_loads_no_pytest_html(tool_runs):
    result, (_, _, listing, _), _ = tool_runs
    assert result["rc"][2] == 0 and not HTML & set(listing[0]["names"]), listing


@pytest.mark.parametrize("autoload", [True, False])
def test_plain_pytest_loads_the_users_plugins_beside_ours(user_site, tmp_path, autoload):
    probe = tmp_path / "probe"
    probe.mkdir()
    named = [] if autoload else ["-p", "wslgpu_certify", "-p", "userplug"]
    env = _env(user_site, PLUGIN_PROBE_DIR=str(probe), **({} if autoload else {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}))
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *named, "--userplug-flag",
                           "--snapshot", str(SNAPSHOTS / "documented-healthy.json"), "--reports-dir",
                           str(tmp_path / "reports"), "--check", "windows.build"],
                          cwd=REPO, capture_output=True, text=True, timeout=300, env=env, stdin=subprocess.DEVNULL)
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-3000:]  # a selection: PARTIAL, never exit 0
    names = set(_probed(probe)[0]["names"])
    assert {"userplug", "wslgpu_certify"} <= names, names
    assert (tmp_path / "reports" / "latest" / "results.json").is_file()
