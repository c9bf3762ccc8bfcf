"""Installed in a Python, the plugin adds nothing to an unrelated pytest run, and shares it with pytest-profiling.

The certification starts only when asked for: one of its options, or its checks being collected.
"""

import subprocess
import sys

import pytest

from suite_run import REPO

UNRELATED_TESTS = {
    "test_passing.py": "def test_one():\n    assert 1 + 1 == 2\n",
    "test_failing.py": "def test_two():\n    assert 1 + 1 == 3\n",
}


def pytest_in(directory, *args):
    proc = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args], cwd=directory,
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    return proc.returncode, proc.stdout + proc.stderr


@pytest.fixture
def unrelated_project(tmp_path):
    for name, code in UNRELATED_TESTS.items():
        (tmp_path / name).write_text(code)
    return tmp_path


def test_the_plugin_is_installed_in_this_python():
    rc, out = pytest_in(REPO, "--trace-config", "--co", "-q", "checks/test_gpu.py")
    assert "wslgpu_certify" in out, out[-2000:]


@pytest.mark.parametrize("selection, exit_code", [("test_passing.py", 0), ("test_failing.py", 1), (".", 1)])
def test_an_unrelated_project_gets_no_reports_no_verdict_and_its_own_exit_code(unrelated_project, selection,
                                                                             exit_code):
    rc, out = pytest_in(unrelated_project, "-q", selection)
    assert rc == exit_code, out
    assert "wslgpu-certify" not in out
    assert not (unrelated_project / "reports").exists()
    assert sorted(p.name for p in unrelated_project.iterdir() if not p.name.startswith(".")) == sorted(UNRELATED_TESTS)


def test_an_unrelated_project_with_junit_keeps_its_own_file(unrelated_project):
    rc, out = pytest_in(unrelated_project, "-q", "test_passing.py", "--junitxml=mine.xml")
    assert rc == 0 and "wslgpu_verdict" not in (unrelated_project / "mine.xml").read_text()


pytest_profiling = pytest.importorskip("pytest_profiling", reason="pytest-profiling is a dev dependency")


def test_coexists_with_pytest_profiling(unrelated_project):
    rc, out = pytest_in(unrelated_project, "-q", "test_passing.py", "--profile")
    assert rc == 0, out  # both plugins loaded: no "option names {'--profile'} already added"
    assert (unrelated_project / "prof").is_dir()  # pytest-profiling did its job
    rc, out = pytest_in(REPO, "-q", "--reports-dir", str(unrelated_project / "reports"),
                        "--snapshot=fixtures/snapshots/documented-healthy.json", "--cert-profile", "documented")
    assert rc == 0 and "wslgpu-certify: CERTIFIED" in out, out[-3000:]


# The other way round: the `wslgpu-certify` command's run takes nothing from the folder it is started in (an ini
# file's addopts, a conftest.py), nor from a project its venv sits in (tool_plugins.run_pytest: command.ini, and
# the checks' folder as rootdir and confcutdir).
HOSTILE_CONFIG = {
    "pytest.ini": "[pytest]\naddopts = --no-such-option-from-the-users-ini\n",
    "conftest.py": "def pytest_configure(config):\n    raise SystemExit('the folder\\'s conftest.py joined the run')\n",
}


def test_the_command_reads_no_ini_file_or_conftest_of_the_folder_it_is_started_in(tmp_path):
    for name, text in HOSTILE_CONFIG.items():
        (tmp_path / name).write_text(text)
    (tmp_path / "pyproject.toml").write_text('[tool.pytest.ini_options]\naddopts = "--no-such-option-either"\n')
    proc = subprocess.run([sys.executable, "-c", "import sys; from wslgpu_certify.cli import main; sys.exit(main())",
                           "--snapshot", "documented-healthy", "--reports-dir", str(tmp_path / "reports")],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "CERTIFIED" in proc.stdout and "joined the run" not in proc.stdout + proc.stderr
    header = proc.stdout[:600]
    assert "rootdir: " + str(REPO / "checks") in header and "command.ini" in header, header
    # plain pytest in that folder is the user's, ini file and conftest included: it is their run
    rc, out = pytest_in(tmp_path, "-q")
    assert rc != 0 and ("no-such-option" in out or "joined the run" in out), out[-2000:]
