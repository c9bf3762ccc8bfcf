"""The command line: every option the suite adds to pytest, and the Machines they describe.

Parsing options runs no command: what they leave open (the default distro from Windows, the distro's
user, the profile under auto) is read once as the run starts, in probes/identity.py.
One machine (a live run, one snapshot), or several: each `--snapshot` (repeatable, or a folder
of snapshots) is one recorded machine, named by its metadata's hostname (many_machines.py).
"""

from __future__ import annotations

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10 (Ubuntu 22.04): the same parser, from PyPI
    import tomli as tomllib
import ast
from pathlib import Path

import pytest

from .catalog import bundled_checks_dir, selection_error
from .findings import LAYERS
from .hosts.machine import ENVS, Machine, env_mismatch, live_machine, replay_machine
from .hosts.snapshot import SnapshotError, load_snapshot, snapshot_path
from .lazy_regex import regex
from .profile import ProfileError, bundled_profiles, load_profile
from .reports.envelope import default_run_id
from .reports.run_folder import safe_name

# Our options and their defaults (add_options declares them with these): any of them given, and the run
# is a certification (see `requested`).
DEFAULTS = {"env": "auto", "snapshot": None, "record": None, "cert_profile": "auto", "distro": None,
            "wsl_user": None, "reports_dir": "reports", "pull": False, "prove_autostart": False,
            "probe_timeout": "60", "layer": None, "check": None, "machine_id": None, "run_id": None}
IDENTIFIER = regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")  # a --machine-id / --run-id: also a folder name part


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("wslgpu-certify", "certify a WSL 2 GPU data-science workstation")
    group.addoption("--env", default=DEFAULTS["env"], metavar="ENV",
                    help=f"where the suite runs: {', '.join(ENVS)} (default: auto)")
    group.addoption("--snapshot", action="append", metavar="PATH",
                    help="replay this recorded snapshot (implies --env=replay), or a bundled example by name "
                         "(documented-healthy; --list-snapshots); repeatable, or a folder of snapshots: each one "
                         "is a machine, certified into its own run folder")
    group.addoption("--machine-id", metavar="ID",
                    help="the machine's name in results.json and its run folder (default: the hostname; "
                         "for a replay, the snapshot's recorded hostname)")
    group.addoption("--run-id", metavar="ID",
                    help="the CI run this certification belongs to (default: $GITHUB_RUN_ID, else $CI_PIPELINE_ID)")
    group.addoption("--record", metavar="PATH", help="record every command read into this snapshot file")
    # Not --profile: pytest-profiling owns that name (a flag), and two plugins cannot both register it.
    group.addoption("--cert-profile", default=DEFAULTS["cert_profile"], metavar="NAME|PATH",
                    help="expected values: auto (the default: the snapshot's recorded profile, else the one that "
                         "fits the machine), documented (the guide), current, current-desktop, standin, or a .toml path")
    group.addoption("--distro", metavar="NAME", help="WSL distro (default: $WSL_DISTRO_NAME; under --env=windows the default one in `wsl -l -v`; else Ubuntu)")
    group.addoption("--wsl-user", metavar="NAME", help="the distro user the guide's steps were done for")
    group.addoption("--reports-dir", default=DEFAULTS["reports_dir"], metavar="DIR", help="where run folders go (default: reports/)")
    group.addoption("--pull", action="store_true",
                    help="pull a guide image that is missing locally (never pulled without this)")
    group.addoption("--prove-autostart", action="store_true",
                    help="with --env=windows: run `wsl --shutdown` (stops every distro) and prove a new login "
                         "shell finds Docker answering (check wsl.autostart.proof)")
    group.addoption("--probe-timeout", default=DEFAULTS["probe_timeout"], metavar="SECONDS",
                    help="a probe command running longer fails its check (default: 60)")
    group.addoption("--layer", action="append", metavar="LAYER",  # checked with the nearest: catalog.selection_error
                    help=f"certify only this layer, on purpose ({', '.join(LAYERS)}; repeatable): the verdict is "
                         f"that layer's, labelled as such")
    group.addoption("--check", action="append", metavar="ID",
                    help="run only checks whose id is ID or starts with ID. (repeatable); a selection, never a "
                         "certification")


def refuse_old_profile_option(args: list[str]) -> None:
    """`--profile NAME` was this suite's spelling: say it is now --cert-profile, in one line."""
    for i, arg in enumerate(args):
        value = arg.partition("=")[2] if arg.startswith("--profile=") else (
            args[i + 1] if arg == "--profile" and i + 1 < len(args) else None)
        if value is not None and (value in (*bundled_profiles(), "auto") or value.endswith(".toml")):
            raise pytest.UsageError(f"--profile is now --cert-profile (pytest-profiling owns --profile): "
                                    f"use --cert-profile {value}")


def requested(config: pytest.Config) -> bool:
    """Whether this pytest run is a certification: one of our options was given, or our checks are collected.

    Otherwise (an unrelated project's tests in the same Python) the plugin stays out of the
    way: no run folder, no verdict, no changed exit code.
    """
    opt = config.option
    if any(getattr(opt, name, default) != default for name, default in DEFAULTS.items()):
        return True
    checks = bundled_checks_dir().resolve()
    for arg in config.args:
        path = Path(arg.split("::", 1)[0])
        path = (config.invocation_params.dir / path).resolve() if not path.is_absolute() else path.resolve()
        if path == checks or checks in path.parents or path in checks.parents:
            return True
    return False


def machines_from_options(config: pytest.Config) -> list[Machine]:
    """The machines the options describe (one, or one per snapshot), or a one-line UsageError (exit 4)."""
    opt = config.option
    env = opt.env
    if env not in ENVS:
        raise pytest.UsageError(f"--env={env!r} is not one of: {', '.join(ENVS)}")
    unknown = selection_error(opt.layer, opt.check)  # before anything is read or any folder made
    if unknown:
        raise pytest.UsageError(unknown)
    if opt.snapshot and env == "auto":
        env = "replay"
    if env == "replay" and opt.record:
        raise pytest.UsageError("--record cannot be combined with --env=replay: a replay reads nothing new")
    if env == "replay" and not opt.snapshot:
        raise pytest.UsageError("--env=replay needs --snapshot PATH (try --snapshot documented-healthy, a bundled example)")
    if opt.snapshot and env != "replay":
        raise pytest.UsageError(f"--snapshot is only used with --env=replay, not --env={env}")
    for name in ("machine_id", "run_id"):
        value = getattr(opt, name)
        if value is not None and not IDENTIFIER.fullmatch(value):
            raise pytest.UsageError(f"--{name.replace('_', '-')} {value!r}: use letters, digits, '.', '_' and '-' "
                                    f"(up to 100, starting with a letter or digit): it names a folder")
    try:
        timeout = float(opt.probe_timeout)
        if timeout <= 0:
            raise ValueError
    except ValueError:
        raise pytest.UsageError(f"--probe-timeout must be a positive number of seconds, not {opt.probe_timeout!r}") from None
    try:
        if opt.cert_profile != "auto":
            load_profile(opt.cert_profile)  # a bad profile is said before anything is read
        if env == "replay":
            return _replayed_machines(snapshot_paths(opt.snapshot), timeout, opt)
    except (ProfileError, SnapshotError) as exc:
        raise pytest.UsageError(str(exc)) from None
    mismatch = env_mismatch(env)
    if mismatch:
        raise pytest.UsageError(mismatch)
    machine = live_machine(env, {}, timeout, opt.distro, opt.wsl_user, record=bool(opt.record))
    # From Windows there is no $WSL_DISTRO_NAME: the distro is the one `wsl -l -v` marks default (`*`), read at start.
    machine.distro_is_fallback = machine.env == "windows" and not opt.distro
    if opt.prove_autostart and machine.env != "windows":
        raise pytest.UsageError(f"--prove-autostart runs `wsl --shutdown`, which would stop this very run under "
                                f"--env={machine.env}: run it from Windows with --env=windows")
    machine.machine_id = opt.machine_id or safe_name(machine.hostname)
    return [machine]


def run_id_from_options(config: pytest.Config) -> str | None:
    """--run-id, else the CI's run number (GitHub Actions, GitLab CI), else None."""
    value = config.option.run_id or default_run_id()
    return safe_name(value) if value else None


def snapshot_paths(values: list[str]) -> list[Path]:
    """Each --snapshot value: a snapshot file, or a folder whose *.json files are snapshots (sorted by name)."""
    paths: list[Path] = []
    for value in values:
        path = snapshot_path(value)  # a bare name: a bundled example (`--snapshot documented-healthy`)
        if path.is_dir():
            found = sorted(path.glob("*.json"))
            if not found:
                raise SnapshotError(f"snapshot folder {value} holds no *.json snapshot")
            paths += found
        else:
            paths.append(path)
    return paths


def _replayed_machines(paths: list[Path], timeout: float, opt) -> list[Machine]:
    """One machine per snapshot, each named by its recorded hostname; two of one name are refused, never merged."""
    if opt.machine_id and len(paths) > 1:
        raise pytest.UsageError(f"--machine-id names one machine; these {len(paths)} snapshots are named by the "
                                f"hostname each one recorded")
    machines: dict[str, tuple[Path, Machine]] = {}
    for path in paths:
        snapshot = load_snapshot(path)
        machine = replay_machine(snapshot, {}, timeout, opt.distro, opt.wsl_user)
        machine.distro_is_fallback = not (opt.distro or snapshot.metadata.get("distro")) and machine.env == "windows"
        machine.machine_id = opt.machine_id or safe_name(machine.hostname)
        machine.snapshot_path = str(path)
        if machine.machine_id in machines:
            raise pytest.UsageError(f"snapshots {machines[machine.machine_id][0]} and {path} both record machine "
                                    f"{machine.machine_id!r}: give each machine one snapshot")
        machines[machine.machine_id] = (path, machine)
    return [machine for _, machine in machines.values()]


def restore_testpaths(config: pytest.Config) -> None:
    """Undo pytest taking an option's value for a test path.

    pytest picks its rootdir and ini file before entry-point plugins add their options,
    so in `--snapshot /tmp/x.json` (with a space) the path is taken for a test path: no
    ini file is found, `testpaths` is lost and the whole working directory is collected.
    When that happened and the invocation directory holds our testpaths, use them.
    """
    if config.inipath is not None or config.args_source != pytest.Config.ArgsSource.INVOCATION_DIR:
        return
    pyproject = config.invocation_params.dir / "pyproject.toml"
    try:
        ini = tomllib.loads(pyproject.read_text(encoding="utf-8"))["tool"]["pytest"]["ini_options"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return
    paths = [str(config.invocation_params.dir / p) for p in ini.get("testpaths", [])]
    if paths and all(Path(p).exists() for p in paths):
        config.args[:] = paths


def only_lists(config: pytest.Config) -> bool:
    """pytest asked only to list (tests, fixtures, markers), not to run anything."""
    return bool(config.option.collectonly or getattr(config.option, "showfixtures", False)
                or getattr(config.option, "show_fixtures_per_test", False) or getattr(config.option, "markers", False))


# pytest-html's own default for render_collapsed (pytest_html/plugin.py, its addini): any other value was set by the user
PYTEST_HTML_COLLAPSED_DEFAULT = "passed"
COLLAPSED_ROWS = ["passed", "skipped", "xfailed"]  # a reader starts at what failed


class CollapsedRows:
    """pytest-html opens only failed rows, unless the user set render_collapsed (in an ini file or with -o).

    Through public API only: the value is read with config.getini, and pytest-html hands its report data
    to pytest_html_report_title as the session starts, before rendering; set_data is its setter.
    """

    def __init__(self, config: pytest.Config):
        self.config = config

    def pytest_html_report_title(self, report) -> None:
        if self.config.getini("render_collapsed") == PYTEST_HTML_COLLAPSED_DEFAULT and hasattr(report, "set_data"):
            report.set_data("renderCollapsed", list(COLLAPSED_ROWS))


def collapse_rows_that_need_no_reading(config: pytest.Config) -> None:
    """Every report.html of this run (the user's --html, each machine's) opens with only its failed rows open."""
    config.pluginmanager.register(CollapsedRows(config), "wslgpu-collapsed-rows")


def selects_slow(markexpr: str | None) -> bool:
    """Whether -m selects a check marked slow (-m slow, -m "slow or ..."; not -m "not slow").

    -m's grammar (and, or, not, parentheses, marker names) is a subset of Python's expressions: read with
    the standard library's ast (never evaluated), every marker name but `slow` false. pytest's own
    evaluator is private API."""
    if not markexpr:
        return False
    try:
        return _marked_slow(ast.parse(markexpr.strip(), mode="eval").body)
    except (SyntaxError, ValueError, RecursionError):  # a name Python does not parse (`a-b`): the plain reading
        return "slow" in markexpr and "not slow" not in markexpr


def _marked_slow(node) -> bool:
    if isinstance(node, ast.BoolOp):
        values = [_marked_slow(v) for v in node.values]
        return all(values) if isinstance(node.op, ast.And) else any(values)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return not _marked_slow(node.operand)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):  # slow(reason="x"): a marker's keywords
        node = node.func
    if isinstance(node, ast.Name):
        return node.id == "slow"
    raise ValueError("not a marker expression")
