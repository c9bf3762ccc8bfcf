"""The pytest plugins the `wslgpu-certify` command loads: named here, not whatever else is installed.

pytest loads every installed `pytest11` entry point at start-up (hypothesis, pytest-benchmark, ...: in a
data-science Python, more than the suite itself costs). The command turns that off for its own run
(PYTEST_DISABLE_PLUGIN_AUTOLOAD, also inherited by xdist's workers, which get the same `-p` arguments)
and names what the run needs (ours through PYTEST_PLUGINS, which imports a module by name: `-p NAME` also
looks NAME up among every installed distribution's entry points, a scan per name):
  * this suite's plugin, always;
  * pytest-html (`html`, `html_fixtures`) and pytest-metadata (which pytest-html reads its table from)
    when the run writes log.html, the detailed log: a live run (what ran on the machine cannot be run again),
    and any run given one of their options (--html, --css, --metadata...); not a replay otherwise (its
    report.html is the page; the same snapshot replays with --html FILE whenever the log is wanted), not
    under `-p no:html`, nor when pytest only lists (--collect-only...);
  * pytest-xdist only with one of its options (-n, --dist, ...);
  * never pytest-testinfra's plugin: the host fixtures use the `testinfra` library (hosts/testinfra_backend.py),
    not its `host` fixture or options.
It leaves unloaded the pytest built-ins it has no use for (UNUSED_BUILTINS: pastebin among them, which would
send a machine's output to a paste service).
A replay also captures at Python's level (`--capture=sys`, unless given -s or --capture): it runs no program.
The command's run also says `--assert=plain` (unless given --assert): a check fails by raising CheckFailed with
its own words, never with a bare `assert` (tests/project/test_layout.py keeps checks/ free of them), so pytest's
assertion rewriting (an import hook every module of the run passes through) would only cost start-up time.
Plain `pytest` is untouched: there our plugin comes through its entry point beside the user's own plugins
(with autoload off, `pytest -p wslgpu_certify`). No pytest import here: the choice is made on the arguments.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

OURS = "wslgpu_certify.plugin"
COMMAND_INI = Path(__file__).with_name("command.ini")
HTML = ("metadata", "html", "html_fixtures")  # the entry point names (pytest-metadata's, pytest-html's two)
XDIST = ("xdist", "xdist.looponfail")
# pytest's own plugins the command's run has no use for, left unloaded: no doctests or unittest classes among the
# checks, stepwise needs the cache (off), pythonpath is an ini setting (command.ini sets none), the fixture
# plans are a test author's aid, pastebin would send a run's output, a machine's, to a paste service, and
# unraisableexception ends every run with five full garbage collections to turn an exception a finalizer raised
# into a warning (Python's own sys.unraisablehook still prints one: "Exception ignored in ...").
UNUSED_BUILTINS = ("doctest", "unittest", "stepwise", "python_path", "setuponly", "setupplan", "pastebin",
                   "unraisableexception")
# The options each plugin adds (pytest_addoption of pytest_html/plugin.py, pytest_metadata/plugin.py,
# xdist/plugin.py and xdist/looponfail.py at pytest-html 4.2, pytest-metadata 3.1, pytest-xdist 3.8):
# given one of them, the plugin is loaded, else pytest would refuse it as an unknown argument.
HTML_OPTIONS = ("--html", "--self-contained-html", "--css", "--metadata", "--metadata-from-json",
                "--metadata-from-json-file")
XDIST_OPTIONS = ("--numprocesses", "--maxprocesses", "--max-worker-restart", "--dist", "--loadscope-reorder",
                 "--no-loadscope-reorder", "--maxschedchunk", "--tx", "--px", "--rsyncdir", "--rsyncignore",
                 "--testrunuid", "--looponfail")
XDIST_SHORT = ("-n", "-d", "-f")  # -n 2, -n2, -nauto
# pytest asked only to list: nothing is certified, no log.html written (options.only_lists)
LISTING = ("--collect-only", "--co", "--fixtures", "--funcargs", "--fixtures-per-test", "--markers")
REPLAY = ("--snapshot",)  # a recorded machine (options.py): its detailed log only when asked for


def _gives(args: list[str], long_options: tuple[str, ...], short: tuple[str, ...] = ()) -> bool:
    return any(a.split("=", 1)[0] in long_options or (a[:2] in short and not a.startswith("--")) for a in args)


def _blocked(args: list[str], name: str) -> bool:
    """`-p no:NAME` or `-pno:NAME` among the arguments."""
    pairs = zip(args, args[1:] + [""])
    return any((a == "-p" and b == f"no:{name}") or a == f"-pno:{name}" for a, b in pairs)


def plugin_args(argv: list[str], addopts: str = "") -> list[str]:
    """The `-p NAME` arguments the command adds before the user's ARGV (and $PYTEST_ADDOPTS); ours is OURS."""
    args = [*shlex.split(addopts), *argv]
    names = []
    help_asked = "--help" in args or "-h" in args  # every option the run could be given
    writes_log = not _gives(args, LISTING) and not _gives(args, REPLAY)
    if not _blocked(args, "html") and (help_asked or _gives(args, HTML_OPTIONS) or writes_log):
        names += HTML
    if help_asked or _gives(args, XDIST_OPTIONS, XDIST_SHORT):
        names += XDIST
    return [arg for name in names for arg in ("-p", name)]


def run_options(argv: list[str], addopts: str = "") -> list[str]:
    """What the command's run says beside the user's ARGV (and $PYTEST_ADDOPTS), unless they said otherwise:
    --assert=plain (checks fail by raising, never by a bare assert); for a replay, --capture=sys: it runs no
    program (every output comes from the snapshot), so Python-level capture is all it needs, where pytest's
    file-descriptor capture costs a suspend and a resume per test phase. A live run keeps fd capture: what a
    program it starts writes never reaches the terminal unread."""
    given = [*shlex.split(addopts), *argv]
    options = [] if _gives(given, ("--assert",)) else ["--assert=plain"]
    if _gives(given, REPLAY) and not _gives(given, ("--capture",), ("-s",)):
        options.append("--capture=sys")
    return options


def run_pytest(checks: Path, args: list[str]) -> int:
    """pytest.main on the CHECKS folder with ARGS, the plugins ARGS need and no other, and the command's own
    configuration (command.ini, rootdir and confcutdir the checks' folder: no ini file or conftest.py of the
    folder it is started in, or above its install, joins the run); the command's run and `fix`'s replay."""
    import pytest

    with autoload_off(), _environ("PYTEST_PLUGINS", ",".join(filter(None, [OURS, os.environ.get("PYTEST_PLUGINS")]))):
        addopts = os.environ.get("PYTEST_ADDOPTS", "")
        options = run_options(args, addopts)
        own = ["-c", str(COMMAND_INI), f"--rootdir={checks}", f"--confcutdir={checks}",  # a user's own, later, win
               *(arg for name in UNUSED_BUILTINS for arg in ("-p", f"no:{name}"))]
        return int(pytest.main(["-p", "no:cacheprovider", *own, *options, *plugin_args(args, addopts), str(checks),
                                *args]))


def autoload_off():
    """PYTEST_DISABLE_PLUGIN_AUTOLOAD for the command's own pytest run (and the workers it starts), then as before."""
    return _environ("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")


@contextmanager
def _environ(name: str, value: str) -> Iterator[None]:
    before = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if before is None:
            del os.environ[name]
        else:
            os.environ[name] = before
