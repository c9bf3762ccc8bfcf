"""Every fix in the check catalog pastes.

Each remediation of every check and variant (checks/<layer>.toml), filled with a sample
machine's names the way the plugin fills it, must be a list of steps a person can copy:
a `run` step is one command for the shell it names (bash ones pass `bash -n`; cmd and
PowerShell ones are one line; Dockerfile ones are an instruction), a `say` step is words
(no shell prompt in front), no `<...>` or `{name}` is left, and exactly one step is marked
`key`: a command that changes something, not an assignment, a comment, a fragment or a
look (`ls`, `cat`, `ver`, `echo` alone). The negative cases below feed deliberately bad
steps through the same helpers, so the rules can fail.
"""

from __future__ import annotations

import re
import subprocess
try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib
from pathlib import Path

import pytest

from wslgpu_certify.catalog import fill_remediation, load_checks
from wslgpu_certify.findings import SHELLS, FixStep, Remediation
from wslgpu_certify.parsers.distro import parse_bashrc_autostart
from wslgpu_certify.placeholders import PLACEHOLDER
from wslgpu_certify.profile import load_profile

REPO = Path(__file__).resolve().parents[2]
REGISTRY = load_checks(REPO / "checks")
_PROFILE = load_profile("documented")
# What Machine.names() gives on a sample machine (hosts/machine.py), from the documented profile.
SAMPLE = {"user": "analyst", "distro": "Ubuntu", "profile": _PROFILE["name"],
          "reticulate_python": _PROFILE["rstudio"]["reticulate_python"],
          **{f"{role}_image": image for role, image in _PROFILE["images"].items()}}


def _values(spec) -> dict:
    """The sample names, the check's parameters, and what the check passes to CheckFailed (`image=`)."""
    values = {**SAMPLE, **spec.params}
    if "role" in spec.params:
        values["image"] = SAMPLE[f"{spec.params['role']}_image"]
    if spec.id == "docker.toolkit.sees_gpu":  # the first Linux-driver library it names (library=)
        values["library"] = "/usr/lib/x86_64-linux-gnu/libnvidia-ml.so.550.120"
    return values


def _remediations():
    for spec in sorted(REGISTRY.values(), key=lambda s: s.id):
        yield pytest.param(spec.id, fill_remediation(spec.remediation, _values(spec)), id=spec.id)
        for name, rem in sorted(spec.variants.items()):
            yield pytest.param(f"{spec.id}[{name}]", fill_remediation(rem, _values(spec)), id=f"{spec.id}.{name}")
        for (variant, profile), rem in sorted(spec.by_profile.items()):  # the fix written for a profile's machine
            name = f"{variant or 'base'}@{profile}"
            yield pytest.param(f"{spec.id}[{name}]", fill_remediation(rem, _values(spec)), id=f"{spec.id}.{name}")


# ---- the rules, as helpers that return what is wrong (an empty list: nothing)

_ANGLE = re.compile(r"<[A-Za-z_][A-Za-z0-9_ -]*>")  # <container>, <DISTRO_NAME>, <a password>
_PROMPT = re.compile(r"^\s*(?:\$|#|>|%|PS>|PS [A-Za-z]:|[A-Za-z]:\\[^ ]*>)\s")
_PROSE_WORDS = {"or", "from", "and", "the", "a", "an", "nothing", "needs", "must", "after", "add", "it", "use", "see"}
_LOOKS = {"ls", "cat", "ver", "echo", "printf", "type", "dir", "winver", "tail", "head", "less", "more"}
_DOCKERFILE = {"FROM", "RUN", "CMD", "ENV", "ARG", "COPY", "ADD", "ENTRYPOINT", "WORKDIR", "USER", "EXPOSE", "LABEL"}


def _skeleton(text: str) -> str:
    """The bash text with each quoted string replaced by Q: what remains is the shell's own syntax."""
    out, quote, i = [], None, 0
    while i < len(text):
        c = text[i]
        if quote is None:
            if c == "\\":
                out.append("Q")
                i += 2
                continue
            if c in "'\"`":
                quote = c
                out.append("Q")
            else:
                out.append(c)
        elif c == "\\" and quote != "'":
            i += 2
            continue
        elif c == quote:
            quote = None
        i += 1
    return "".join(out)


def _substitutions(skeleton: str) -> list[str]:
    """The skeleton with each $(...) as one word S, then each $(...)'s own command list."""
    lists = [skeleton]
    while inner := re.search(r"\$\(([^()]*)\)", lists[0]):  # innermost first
        lists.append(inner.group(1))
        lists[0] = lists[0][:inner.start()] + "S" + lists[0][inner.end():]
    return lists


def _first_words(skeleton: str) -> list[str]:
    """The first word of each simple command (split at ; & | ( ) and newlines)."""
    words, lists = [], _substitutions(skeleton)
    for segment in (seg for text in lists for seg in re.split(r"[;&|()\n]+", text)):
        parts = segment.split()
        while parts and re.fullmatch(r"\w+=\S*", parts[0]):  # VAR=value cmd
            parts.pop(0)
        if parts:
            words.append(parts[0])
    return words


def _bash_syntax(text: str) -> str | None:
    result = subprocess.run(["bash", "-n", "-c", text], capture_output=True, text=True, timeout=10)
    if result.returncode == 0:
        return None
    return result.stderr.strip() or f"exit {result.returncode}"


def step_problems(step: FixStep) -> list[str]:
    text = step.text
    problems = []
    left = PLACEHOLDER.findall(text) + _ANGLE.findall(text)
    if left:
        problems.append(f"unfilled {left}")
    if not text.strip():
        problems.append("empty step")
    if not step.is_command:
        if _PROMPT.match(text):
            problems.append("say step starts with a shell prompt")
        return problems
    if step.shell not in SHELLS:
        problems.append(f"unknown shell {step.shell!r}")
    if "..." in text or text.rstrip().endswith(":"):
        problems.append("fragment (an ellipsis or a trailing colon)")
    if re.search(r"\S {2,}\(", text):
        problems.append("prose in parentheses after the command")
    if step.shell in ("cmd", "powershell", "dockerfile") and "\n" in text:
        problems.append(f"{step.shell} step is not a single line")
    if step.shell == "bash":
        skeleton = _skeleton(text)
        error = _bash_syntax(text)
        if error:
            problems.append(f"bash -n: {error}")
        if re.search(r"(^|\s)#", skeleton):
            problems.append("bash step holds a comment")
        prose = [w for w in _first_words(skeleton) if w.endswith(":") or w.lower() in _PROSE_WORDS]
        if prose:
            problems.append(f"prose where a command goes: {prose}")
    elif step.shell in ("cmd", "powershell"):
        first = text.split()[0] if text.split() else ""
        if first.rstrip(":").lower() in _PROSE_WORDS or first.endswith(":"):
            problems.append(f"prose where a command goes: {first!r}")
    elif step.shell == "dockerfile":
        instruction = text.split(None, 1)[0] if text.split() else ""
        if instruction not in _DOCKERFILE:
            problems.append(f"not a Dockerfile instruction: {instruction!r}")
        elif instruction == "RUN":
            error = _bash_syntax(text.split(None, 1)[1])
            if error:
                problems.append(f"bash -n (RUN): {error}")
    return problems


def key_problems(step: FixStep) -> list[str]:
    """Why a step cannot be the one-line fix the terminal, JUnit and the report show."""
    if not step.is_command:
        return ["the key step is words, not a run step"]
    text = step.text.strip()
    skeleton = _substitutions(_skeleton(text).strip())[0] if step.shell == "bash" else text
    problems = []
    if re.fullmatch(r"(export\s+)?\w+=\S*", skeleton) or re.match(r"(?i)set\s+\w+=", text) \
            or re.fullmatch(r"\$\w+\s*=.*", text):
        problems.append("the key step only assigns a variable")
    if re.match(r"(#|::|(?i:rem)\b)", text):
        problems.append("the key step is a comment")
    first = text.split()[0] if text.split() else ""
    writes = ">" in skeleton or re.search(r"\|\s*(sudo\s+)?(\w+=\S+\s+)*(tee|visudo|sh|bash|apt-key)\b", skeleton)
    if first.lower() in _LOOKS and not writes:
        problems.append(f"the key step only looks ({first})")
    if re.match(r"""(echo|printf)\s+(['"])#[^'"]*\2\s*>>""", text):
        problems.append("the key step appends only a comment line")
    return problems


def remediation_problems(rem: Remediation) -> list[str]:
    problems = [f"step {i + 1} ({step.text[:60]!r}): {p}" for i, step in enumerate(rem.steps) for p in step_problems(step)]
    if not rem.steps:
        return problems
    keys = [step for step in rem.steps if step.key]
    if len(keys) != 1:
        problems.append(f"{len(keys)} key steps, not exactly one")
    for step in keys:
        problems += [f"key {step.text[:60]!r}: {p}" for p in key_problems(step)]
    return problems


# ---- the catalog

@pytest.mark.parametrize("check_id, remediation", list(_remediations()))
def test_every_fix_pastes(check_id, remediation):
    assert remediation.steps, f"{check_id} has no fix steps"
    assert remediation_problems(remediation) == [], check_id
    assert remediation.summary == next(s for s in remediation.steps if s.key).text


def test_the_catalog_holds_steps_not_bare_strings():
    """A bare string would be guessed a command of `where`'s shell: every fix entry names its shell or is words."""
    bare = []
    for path in sorted((REPO / "checks").glob("*.toml")):
        for check_id, entry in tomllib.loads(path.read_text(encoding="utf-8")).items():
            tables = [("", entry)] + [(f"[{n}]", v) for n, v in entry.get("variants", {}).items()]
            for name, table in tables:
                bare += [f"{check_id}{name}: {raw!r}" for raw in table.get("fix", ())
                         if not isinstance(raw, dict) or ("run" in raw and "shell" not in raw)]
    assert not bare


def test_the_walk_covers_every_check_and_variant():
    walked = {check_id for check_id, _ in (p.values for p in _remediations())}
    assert len(REGISTRY) >= 45 and sum(len(s.variants) for s in REGISTRY.values()) >= 30
    assert {spec.id for spec in REGISTRY.values()} <= walked


# ---- the fixes that edit ~/.bashrc do what the check then reads (parsers/distro.py)

def _bash(tmp_path: Path, command: str) -> None:
    subprocess.run(["bash", "-c", command], env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
                   check=True, timeout=10)


def _rem(check_id: str, variant: str | None = None) -> Remediation:
    spec = REGISTRY[check_id]
    return fill_remediation(spec.variants[variant] if variant else spec.remediation, _values(spec))


def _key(rem: Remediation) -> str:
    return next(step.text for step in rem.steps if step.key)


def test_autostart_fix_writes_the_block_the_check_accepts(tmp_path):
    bashrc = tmp_path / ".bashrc"
    bashrc.write_text("alias ll='ls -alF'\n")
    assert not parse_bashrc_autostart(bashrc.read_text()).present
    _bash(tmp_path, _key(_rem("wsl.autostart")))
    block = parse_bashrc_autostart(bashrc.read_text())
    assert block.present and block.checks_running and block.disowns
    assert "    sudo dockerd > /dev/null 2>&1 &\n    disown\nfi\n" in bashrc.read_text()


def test_no_disown_fix_adds_disown_after_the_dockerd_line(tmp_path):
    bashrc = tmp_path / ".bashrc"
    bashrc.write_text("RUNNING=`ps aux | grep dockerd | grep -v grep`\nif [ -z \"$RUNNING\" ]; then\n"
                      "  sudo dockerd > /dev/null 2>&1 &\nfi\n")
    assert not parse_bashrc_autostart(bashrc.read_text()).disowns
    _bash(tmp_path, _key(_rem("wsl.autostart", "no_disown")))
    assert parse_bashrc_autostart(bashrc.read_text()).disowns
    assert "  sudo dockerd > /dev/null 2>&1 &\n  disown\nfi\n" in bashrc.read_text()


def test_autostart_proof_steps_replace_a_mistyped_block(tmp_path):
    bashrc = tmp_path / ".bashrc"
    before = "export EDITOR=vi\n"
    bashrc.write_text(before + "# Start Docker daemon automatically when logging in if not running.\n"
                      "RUNNING=`ps aux | grep dockerd | grep -v grep`\nif [ -z \"$RUNNING\" ]; then\n"
                      "    sudo dockerd > /dev/null 2>&1\nfi\n")  # no `&`: dockerd holds the shell
    assert not parse_bashrc_autostart(bashrc.read_text()).present
    for step in _rem("wsl.autostart.proof").steps:
        if step.shell == "bash" and ("~/.bashrc" in step.text and not step.text.startswith("tail")):
            _bash(tmp_path, step.text)
    text = bashrc.read_text()
    assert text.startswith(before) and text.count("# Start Docker daemon") == 1
    assert parse_bashrc_autostart(text).disowns
    assert (tmp_path / ".bashrc.bak").exists()


# ---- the rules fail on the entries this catalog used to hold

BAD_STEPS = [
    (FixStep("distribution=$(. /etc/os-release;echo $ID$VERSION_ID)", "bash", key=True), "only assigns a variable"),
    (FixStep("sudo visudo  # add at the end:", "bash", key=True), "comment"),
    (FixStep("echo '# Start Docker daemon automatically when logging in if not running.' >> ~/.bashrc", "bash", key=True),
     "appends only a comment line"),
    (FixStep("sudo pkill dockerd; sudo dockerd > /dev/null 2>&1 &   (or: sudo systemctl restart docker)", "bash"),
     "prose"),
    (FixStep("ver  (the guide needs build 20201; 20231 is broken)", "cmd"), "prose in parentheses"),
    (FixStep("wsl.exe --shutdown  (from Windows), then open a new shell", "bash"), "prose"),
    (FixStep("docker logs <container>", "bash"), "unfilled"),
    (FixStep("mkdir C:\\wsl\\<DISTRO_NAME>", "cmd"), "unfilled"),
    (FixStep("wsl --export {export_path}", "cmd"), "unfilled"),
    (FixStep("docker run ... -e PASSWORD=x ...", "bash"), "fragment"),
    (FixStep("if [ -z \"$RUNNING\" ]; then", "bash"), "bash -n"),
    (FixStep("{user} ALL=(ALL) NOPASSWD: /usr/bin/dockerd", "bash"), "bash -n"),
    (FixStep("wsl.exe --update\nwsl.exe --shutdown", "cmd"), "not a single line"),
    (FixStep("apt-get install -y r-cran-keras", "dockerfile"), "not a Dockerfile instruction"),
    (FixStep("$ docker info", None), "shell prompt"),
    (FixStep("C:\\> wsl --update", None), "shell prompt"),
    (FixStep("ls -la /dev/dxg", "bash", key=True), "only looks"),
    (FixStep("ver", "cmd", key=True), "only looks"),
    (FixStep("Install the CUDA on WSL driver", None, key=True), "words, not a run step"),
]


@pytest.mark.parametrize("step, expected", BAD_STEPS, ids=[s.text[:40] for s, _ in BAD_STEPS])
def test_a_bad_step_is_caught(step, expected):
    problems = remediation_problems(fill_remediation(Remediation("why", (step,) if step.key else
                                                                 (step, FixStep("true", "bash", key=True))), SAMPLE))
    assert any(expected in p for p in problems), problems


@pytest.mark.parametrize("steps, expected", [
    ((FixStep("wsl.exe --update", "cmd"), FixStep("wsl.exe --shutdown", "cmd")), "0 key steps"),
    ((FixStep("wsl.exe --update", "cmd", True), FixStep("wsl.exe --shutdown", "cmd", True)), "2 key steps"),
])
def test_a_remediation_without_exactly_one_key_is_caught(steps, expected):
    assert any(expected in p for p in remediation_problems(Remediation("why", steps)))


@pytest.mark.parametrize("step", [
    FixStep("echo '{user} ALL=(ALL) NOPASSWD: /usr/bin/dockerd' | sudo EDITOR='tee -a' visudo", "bash", True),
    FixStep("echo /usr/lib/wsl/lib | sudo tee /etc/ld.so.conf.d/ld.wsl.conf", "bash", True),
    FixStep("wsl.exe -d Ubuntu -e bash -lic \"sleep 5; docker info\"", "cmd", True),
    FixStep("Or: start a new WSL shell", None),
], ids=["visudo", "ld.wsl.conf", "cmd-quotes", "say-or"])
def test_a_good_step_passes(step):
    assert remediation_problems(fill_remediation(Remediation("why", (step,) if step.key else
                                                             (step, FixStep("true", "bash", True))), SAMPLE)) == []


def test_sudoers_fix_appends_the_guides_rule_through_the_editor_visudo_runs(tmp_path):
    """visudo runs $EDITOR on a copy of /etc/sudoers; `tee -a` appends stdin to it. Stubs stand in for both."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "sudo").write_text('#!/bin/sh\nexec env "$@"\n')  # sudo VAR=value cmd: env does the same
    (bin_dir / "visudo").write_text('#!/bin/sh\nexec $EDITOR "$SUDOERS"\n')  # the editor's words split, as visudo does
    for stub in ("sudo", "visudo"):
        (bin_dir / stub).chmod(0o755)
    sudoers = tmp_path / "sudoers"
    sudoers.write_text("root ALL=(ALL:ALL) ALL\n")
    for rem in (_rem("wsl.sudoers.dockerd"), _rem("wsl.autostart.proof", "sudo_prompt")):
        sudoers.write_text("root ALL=(ALL:ALL) ALL\n")
        subprocess.run(["bash", "-c", _key(rem)], check=True, timeout=10,
                       env={"PATH": f"{bin_dir}:/usr/bin:/bin", "SUDOERS": str(sudoers)})
        # setup-guide §3.5: `<USER_NAME> ALL=(ALL) NOPASSWD: /usr/bin/dockerd` at the end of the file
        assert sudoers.read_text() == "root ALL=(ALL:ALL) ALL\nanalyst ALL=(ALL) NOPASSWD: /usr/bin/dockerd\n"
