"""The shipped pipeline files: they parse, run only commands the docs (README, docs/) document, and hold the
hardening of issue 20 (class 11), by their own reading and by the field's linters.

Hardening, read from the files (each checker is also shown failing on a family of bad snippets):
- GitHub: a top-level `permissions:` of contents: read, jobs granted only read scopes; no `${{ }}`
  inside a `run:` script (values reach scripts through `env:`); every action pinned to a 40-hex
  commit with its version in a comment; checkout with persist-credentials: false.
- GitLab: every job tagged (collect too); $MACHINE only inside double quotes in scripts; every
  artifact path under the job's own machine folder.
- Ansible: every `{{ }}` in a shell line quoted (`| quote`), but for the operator's own command line
  and the reports path built quoted; the suite's output kept out of the log (no_log); every fetch
  only of a plain file whose size was checked against the cap.
The linters (`zizmor`, `check-jsonschema`, `ansible-lint`; .ci/run installs them, the `lint` extra):
skipped without them, an error under CI=true. Each runs once on the templates and on bad copies.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from suite_run import REPO

# what the project documents: the README and the pages under docs/
DOCUMENTED = "\n".join(p.read_text() for p in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))])
TEMPLATES = REPO / "ci-templates"
NIGHTLY = sorted(TEMPLATES.glob("*-nightly.yml"))  # per machine; the fleet files: test_fleet_templates.py
GITHUB = sorted(TEMPLATES.glob("github-actions-*.yml"))
GITLAB = TEMPLATES / "gitlab-ci-nightly.yml"
PLAYBOOK = TEMPLATES / "ansible" / "certify.yml"
SHA_PIN = re.compile(r"^\s*-?\s*uses:\s*[\w.-]+/[\w./-]+@[0-9a-f]{40}\s+#\s*v\d+(\.\d+)*\s*$")
# Jinja values allowed unquoted in a shell line: the operator's command line (a command, by design)
# and the reports path, quoted where it is built (reports_word).
SHELL_UNQUOTED_OK = {"suite", "reports_word"}


def _commands(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("run", "script") and isinstance(value, str):
                yield from value.splitlines()
            elif key == "script" and isinstance(value, list):
                yield from value
            else:
                yield from _commands(value)
    elif isinstance(node, list):
        for value in node:
            yield from _commands(value)


@pytest.mark.parametrize("path", NIGHTLY, ids=lambda p: p.name)
def test_template_parses_and_uses_documented_commands(path):
    document = yaml.safe_load(path.read_text())
    assert isinstance(document, dict) and document
    used = [c.strip() for c in _commands(document) if c.strip()]
    assert any(c.startswith("pytest --env=wsl") for c in used)
    assert any("wslgpu-compare" in c for c in used)
    for command in used:
        for documented in ("python -m pip install -e \".[dev]\"", "pytest --env=wsl"):
            if command.startswith(documented.split()[0]) and documented.split()[1] in command:
                assert documented in DOCUMENTED
    assert re.search(r"wslgpu-compare", (REPO / "docs" / "ci.md").read_text())


# ---- the checkers: each returns what is wrong, one line per problem --------------------------------

def github_problems(text: str) -> list[str]:
    workflow = yaml.safe_load(text)
    problems = []
    if workflow.get("permissions") != {"contents": "read"}:
        problems.append(f"top-level permissions {workflow.get('permissions')!r}, not contents: read")
    for name, job in workflow["jobs"].items():
        granted = job.get("permissions", {})
        if not isinstance(granted, dict) or any(v not in ("read", "none") for v in granted.values()):
            problems.append(f"job {name}: permissions {granted!r} beyond read")
        for number, step in enumerate(job.get("steps", [])):
            where = f"job {name} step {step.get('name') or step.get('uses') or number}"
            if "${{" in step.get("run", ""):
                problems.append(f"{where}: ${{{{ }}}} inside a run: script")
            if step.get("uses", "").startswith("actions/checkout@") and (step.get("with") or {}).get("persist-credentials") is not False:
                problems.append(f"{where}: checkout without persist-credentials: false")
    for line in text.splitlines():
        if re.match(r"^\s*-?\s*uses:", line) and not SHA_PIN.match(line):
            problems.append(f"not pinned to a commit with its version: {line.strip()}")
    return problems


def gitlab_problems(text: str) -> list[str]:
    pipeline = yaml.safe_load(text)
    problems = []
    for name, job in pipeline.items():
        if not isinstance(job, dict) or "script" not in job or name.startswith("."):
            continue
        if not job.get("tags"):
            problems.append(f"job {name}: no tags (it could run on any runner, a certified machine's included)")
        for line in job["script"]:
            if "$MACHINE" in re.sub(r'"[^"]*"', "", line):
                problems.append(f"job {name}: $MACHINE outside double quotes: {line}")
        if "parallel" in job:
            for path in (job.get("artifacts") or {}).get("paths", []):
                if not path.startswith("fleet-results/$MACHINE/"):
                    problems.append(f"job {name}: artifact path {path} outside the machine's own folder")
    return problems


def _tasks(node):
    if isinstance(node, list):
        for item in node:
            yield from _tasks(item)
    elif isinstance(node, dict):
        if "name" in node and not any(k in node for k in ("tasks", "block", "hosts")):
            yield node
        for key in ("tasks", "block", "rescue", "always"):
            yield from _tasks(node.get(key, []))


def ansible_problems(text: str) -> list[str]:
    tasks = list(_tasks(yaml.safe_load(text)))
    problems = []
    for task in tasks:
        shell = task.get("ansible.builtin.shell") or task.get("shell")
        if isinstance(shell, str):
            for expression in re.findall(r"\{\{(.*?)\}\}", shell):
                if not re.search(r"\|\s*quote\s*$", expression) and expression.strip() not in SHELL_UNQUOTED_OK:
                    problems.append(f"{task['name']}: {{{{{expression}}}}} unquoted in a shell line")
            if task.get("no_log") is not True:
                problems.append(f"{task['name']}: the machine's output reaches the log (no no_log: true)")
        if "ansible.builtin.fetch" in task or "fetch" in task:
            if not re.search(r"\.size <= fetch_max\b", str(task.get("when", ""))) or ".isreg" not in str(task.get("when", "")):
                problems.append(f"{task['name']}: a fetch without a size and kind check (`when: ... .isreg ... .size <= fetch_max`)")
    for play in yaml.safe_load(text):
        words = (play.get("vars") or {}).get("reports_word")
        if words is not None and words.count("| quote") < 2:
            problems.append("reports_word is not built quoted in both of its forms")
    return problems


def test_github_templates_are_hardened():
    for path in GITHUB:
        assert github_problems(path.read_text()) == [], path.name


def test_gitlab_template_is_hardened():
    assert gitlab_problems(GITLAB.read_text()) == []


def test_ansible_playbook_is_hardened():
    assert ansible_problems(PLAYBOOK.read_text()) == []


def test_the_github_machine_name_reaches_scripts_through_env():
    job = yaml.safe_load((TEMPLATES / "github-actions-nightly.yml").read_text())["jobs"]["certify"]
    assert job["env"]["MACHINE"] == "${{ matrix.machine }}"
    certify = next(s["run"] for s in job["steps"] if s.get("name") == "Certify")
    assert '--machine-id "$MACHINE"' in certify and '"reports/snapshot-$MACHINE.json"' in certify


BAD_GITHUB = {
    "no permissions": "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: echo\n",
    "write scope": "on: push\npermissions:\n  contents: read\njobs:\n  a:\n    runs-on: x\n    permissions:\n      contents: write\n"
                   "    steps:\n      - run: echo\n",
    "expression in run": "on: push\npermissions:\n  contents: read\njobs:\n  a:\n    runs-on: x\n    steps:\n"
                         "      - run: pytest --machine-id \"${{ matrix.machine }}\"\n",
    "expression in a later line": "on: push\npermissions:\n  contents: read\njobs:\n  a:\n    runs-on: x\n    steps:\n"
                                  "      - run: |\n          echo ok\n          gh api runs/${{ steps.n.outputs.id }}\n",
    "tag ref": "on: push\npermissions:\n  contents: read\njobs:\n  a:\n    runs-on: x\n    steps:\n"
               "      - uses: actions/upload-artifact@v4\n",
    "short sha": "on: push\npermissions:\n  contents: read\njobs:\n  a:\n    runs-on: x\n    steps:\n"
                 "      - uses: actions/setup-python@a26af69  # v5.6.0\n",
    "sha without version": "on: push\npermissions:\n  contents: read\njobs:\n  a:\n    runs-on: x\n    steps:\n"
                           "      - uses: actions/setup-python@a26af69be951a213d495a4c3e4e4022e16d87065\n",
    "credentials kept": "on: push\npermissions:\n  contents: read\njobs:\n  a:\n    runs-on: x\n    steps:\n"
                        "      - uses: actions/checkout@11d5960a326750d5838078e36cf38b85af677262  # v4.4.0\n",
}
BAD_GITLAB = {
    "untagged collect": "collect:\n  script: [wslgpu-fleet collect fleet-results]\n",
    "bare variable": "c:\n  tags: [a]\n  script: [pytest --machine-id $MACHINE]\n",
    "half quoted": "c:\n  tags: [a]\n  script: ['cp \"a\" fleet-results/$MACHINE/x']\n",
    "shared artifact tree": "c:\n  tags: [a]\n  parallel: {matrix: [{MACHINE: [a]}]}\n  script: [x]\n  artifacts: {paths: [fleet-results/]}\n",
}
BAD_ANSIBLE = {
    "unquoted reports": "- hosts: all\n  tasks:\n    - name: Run\n      ansible.builtin.shell: x --reports-dir {{ reports }}\n      no_log: true\n",
    "quote not last": "- hosts: all\n  tasks:\n    - name: Run\n      ansible.builtin.shell: x {{ run_id | quote | lower }}\n      no_log: true\n",
    "logged output": "- hosts: all\n  tasks:\n    - name: Run\n      ansible.builtin.shell: x {{ run_id | quote }}\n",
    "fetch unchecked": "- hosts: all\n  tasks:\n    - name: Fetch\n      ansible.builtin.fetch: {src: a, dest: b}\n",
    "fetch size only": "- hosts: all\n  tasks:\n    - name: Fetch\n      ansible.builtin.fetch: {src: a, dest: b}\n"
                       "      when: s.stat.size <= fetch_max | int\n",
    "in a rescue": "- hosts: all\n  tasks:\n    - name: B\n      block: []\n      rescue:\n        - name: Fetch\n"
                   "          ansible.builtin.fetch: {src: a, dest: b}\n",
}


@pytest.mark.parametrize("checker, text", [(github_problems, t) for t in BAD_GITHUB.values()]
                         + [(gitlab_problems, t) for t in BAD_GITLAB.values()]
                         + [(ansible_problems, t) for t in BAD_ANSIBLE.values()],
                         ids=[f"github-{k}" for k in BAD_GITHUB] + [f"gitlab-{k}" for k in BAD_GITLAB]
                         + [f"ansible-{k}" for k in BAD_ANSIBLE])
def test_each_checker_catches_a_bad_template(checker, text):
    assert checker(text)


# ---- the field's own linters ------------------------------------------------------------------------

def _linter(name: str) -> str:
    found = shutil.which(name) or shutil.which(name, path=str(Path(sys.executable).parent))
    if found is None:
        reason = f"{name} is not installed (pip install -e '.[lint]'; .ci/run installs it)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} (CI=true: the templates must be linted there)")
        pytest.skip(reason)
    return found


def _run(argv, cwd=REPO):
    env = {**os.environ, "NO_COLOR": "1", "ANSIBLE_NOCOLOR": "1"}
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=180)


@pytest.mark.linters
def test_zizmor_finds_nothing_in_the_github_templates(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text(BAD_GITHUB["expression in run"].replace("      - run:", "      - uses: actions/checkout@v4\n      - run:"))
    proc = _run([_linter("zizmor"), "--offline", "--persona", "pedantic", "--format", "json", *map(str, GITHUB), str(bad)])
    findings = json.loads(proc.stdout)
    in_bad = [f["ident"] for f in findings if str(bad) in json.dumps(f["locations"])]
    assert len(in_bad) == len(findings), proc.stdout[-3000:]  # none in the templates
    assert {"template-injection", "unpinned-uses", "artipacked"} <= set(in_bad)  # the linter does see


@pytest.mark.linters
def test_check_jsonschema_accepts_the_gitlab_template(tmp_path):
    binary = _linter("check-jsonschema")
    proc = _run([binary, "--builtin-schema", "vendor.gitlab-ci", str(GITLAB)])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    bad = tmp_path / "bad.yml"
    bad.write_text("collect:\n  script: 42\n  tags: wsl\n")
    assert _run([binary, "--builtin-schema", "vendor.gitlab-ci", str(bad)]).returncode == 1


@pytest.mark.linters
def test_ansible_lint_production_profile_passes_the_playbook(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text("- name: Bad\n  hosts: all\n  tasks:\n    - name: run it\n      ansible.builtin.shell: echo {{ x }}\n"
                   "      ignore_errors: true\n")
    argv = [_linter("ansible-lint"), "--offline", "--profile", "production", "--format", "json", "--nocolor"]
    proc = _run([*argv, str(PLAYBOOK), str(bad)])
    violations = json.loads(proc.stdout or "[]")
    where = [v["location"]["path"] for v in violations]
    assert [v for v in violations if Path(v["location"]["path"]).name != "bad.yml"] == [], proc.stdout[-3000:]
    assert len(where) >= 2, proc.stdout + proc.stderr  # the linter does see (name casing, ignore_errors, ...)
