"""`wslgpu-certify diagnose`: output pasted into a ticket -> the findings a support engineer acts on.

Real transcripts are read in place from the shared corpus (skipped when absent); the
short outputs below are written by us from the formats the parsers document (their
sources are named beside each).
"""

from __future__ import annotations

import codecs
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from wslgpu_certify.diagnose import main
from wslgpu_certify.diagnose.diagnosis import diagnose
from wslgpu_certify.diagnose.split import SCAN_LIMIT, read_paste, split
from wslgpu_certify.profile import load_profile

REPO = Path(__file__).resolve().parents[2]
CORPUS = Path(os.environ.get("WSLGPU_CORPUS", REPO.parent / "shared" / "corpus"))  # a worktree names it
sys.path.insert(0, str(REPO / "bench"))
from diagnose_coverage import LAYERS_OF_CATEGORY, noise  # noqa: E402  (the bench's category -> layers)

CURRENT = load_profile("current")


def entries(*verdicts: str) -> list[dict]:
    index = CORPUS / "index.yaml"
    if not index.is_file():
        return []
    yaml = pytest.importorskip("yaml")
    return [e for e in yaml.safe_load(index.read_text(encoding="utf-8")) if e["verdict"] in verdicts]


def corpus_bytes(name: str) -> bytes:
    path = CORPUS / "raw" / name
    if not path.is_file():
        pytest.skip(f"shared corpus not present: {path}")
    return path.read_bytes()


def ids(text, profile=CURRENT) -> list[str]:
    return [f.id for f in diagnose(text, profile).findings]


def signature(result) -> list[tuple]:
    return [(f.layer, f.id, f.cause, f.part) for f in result.findings + result.notes]


BROKEN = entries("broken")
HEALTHY = entries("healthy")
NO_CORPUS = pytest.mark.skipif(not (BROKEN or HEALTHY), reason="shared corpus index not present")


# ---------------------------------------------------------------- the corpus, one file at a time
@NO_CORPUS
@pytest.mark.parametrize("entry", BROKEN, ids=[e["file"] for e in BROKEN])
def test_broken_transcript_gives_a_finding_in_its_layer(entry):
    result = diagnose(corpus_bytes(entry["file"]), CURRENT)
    layers = LAYERS_OF_CATEGORY[entry["category"]]
    assert [f for f in result.findings if f.layer in layers], \
        f"no finding in {sorted(layers)}: {[(f.layer, f.id) for f in result.findings]}"
    assert result.exit_code == 1


@NO_CORPUS
@pytest.mark.parametrize("entry", HEALTHY, ids=[e["file"] for e in HEALTHY])
def test_healthy_transcript_gives_no_finding(entry):
    result = diagnose(corpus_bytes(entry["file"]), CURRENT)
    assert result.findings == [], [(f.layer, f.id, f.seen) for f in result.findings]
    assert result.exit_code in (0, 2)  # 2: nothing in it is an output the suite reads


def test_every_corpus_category_has_layers():
    unknown = {e["category"] for e in entries("broken", "healthy", "ambiguous")} - set(LAYERS_OF_CATEGORY)
    assert unknown == set()


def _groups(size: int) -> list[list[dict]]:
    pool = [e for e in entries("broken", "healthy")]
    return [pool[i:i + size] for i in range(0, len(pool), size)]


GROUPS = _groups(2) + _groups(3)


@NO_CORPUS
@pytest.mark.parametrize("group", GROUPS, ids=["+".join(e["file"][:24] for e in g) for g in GROUPS])
def test_concatenated_pastes_with_prompts(group):
    """Two or three transcripts joined by `$ <command>` lines: each keeps its diagnosis."""
    paste = b"".join(b"$ " + e["command"].encode() + b"\n" + corpus_bytes(e["file"]).rstrip(b"\n") + b"\n"
                     for e in group)
    result = diagnose(paste, CURRENT)
    commands = [p.part.command for p in result.parts]
    assert all(e["command"] in commands for e in group)
    for entry in group:
        if entry["verdict"] == "broken":
            layers = LAYERS_OF_CATEGORY[entry["category"]]
            assert any(f.layer in layers for f in result.findings), entry["file"]
    if all(e["verdict"] == "healthy" for e in group):
        assert result.findings == [], [(f.id, f.seen) for f in result.findings]


ENCODINGS = {
    "utf-16le-bom": lambda text: codecs.BOM_UTF16_LE + text.replace("\n", "\r\n").encode("utf-16-le"),
    "utf-16le": lambda text: text.encode("utf-16-le"),  # wsl.exe writes it with no BOM
    "crlf": lambda text: text.replace("\n", "\r\n").encode("utf-8"),
}
ALL = entries("broken", "healthy", "ambiguous")


@NO_CORPUS
@pytest.mark.parametrize("encoding", sorted(ENCODINGS))
@pytest.mark.parametrize("entry", ALL, ids=[e["file"] for e in ALL])
def test_windows_encodings_give_the_same_findings(entry, encoding):
    text = corpus_bytes(entry["file"]).decode("utf-8")
    assert signature(diagnose(ENCODINGS[encoding](text), CURRENT)) == signature(diagnose(text.encode(), CURRENT))


# ---------------------------------------------------------------- splitting and recognising
def test_prompts_split_a_paste_and_name_each_part():
    paste = ("PS C:\\Users\\ana> wsl -l -v\n  NAME      STATE           VERSION\n* Ubuntu    Running         2\n"
             "ana@pc:~$ cat /proc/version\nLinux version 5.15.90.1-microsoft-standard-WSL2 (gcc) #1 SMP\n"
             "C:\\Windows\\system32>ver\n\nMicrosoft Windows [Version 10.0.22631.4037]\n")
    parts = split(read_paste(paste).text)
    assert [(p.command, p.user) for p in parts] == [("wsl -l -v", None), ("cat /proc/version", "ana"), ("ver", None)]
    result = diagnose(paste, CURRENT)
    assert [[r.kind for r in p.readings] for p in result.parts] == [
        ["wsl.exe --list --verbose"], ["cat /proc/version"], ["cmd.exe /c ver"]]
    assert all(r.by == "command" for p in result.parts for r in p.readings)
    assert result.findings == [] and result.exit_code == 0


def test_output_lines_that_look_like_prompts_do_not_split():
    # nbody prints "> Windowed mode" ... (setup-guide §3.4); ~/.bashrc and wsl.conf have "# " comments.
    text = ("> Windowed mode\n> Compute 7.5 CUDA device: [GeForce RTX 2070]\n# start docker\n"
            "> wsl --status\nDefault Version: 2\n")
    assert [p.command for p in split(text)] == [None, "wsl --status"]


def test_a_bare_command_line_on_top_names_the_output():
    # `dpkg -l` rows (dpkg-nvidia__linux-driver-470-installed-inside-wsl.txt's format)
    paste = "sudo dpkg -l | grep nvidia\nii  nvidia-utils-470   470.57.02-0ubuntu1   amd64   NVIDIA driver support binaries\n"
    result = diagnose(paste, CURRENT)
    assert result.parts[0].part.command == "sudo dpkg -l | grep nvidia"
    assert "wsl.driver.no_linux_driver" in [f.id for f in result.findings]


def test_shapes_recognise_output_without_a_command():
    result = diagnose("  NAME      STATE           VERSION\n* Ubuntu    Stopped         1\n", CURRENT)
    assert [(r.kind, r.by) for r in result.parts[0].readings] == [("wsl.exe --list --verbose", "shape")]
    finding = next(f for f in result.findings if f.check_id == "windows.distro.version")
    assert finding.layer == "windows" and "Ubuntu runs as WSL 1" in finding.cause
    assert any("--set-version Ubuntu 2" in step.text and step.shell for step in finding.fix)


def test_placeholders_take_what_the_paste_shows():
    paste = "bob@box:~$ wsl.exe -l -v\n  NAME STATE VERSION\n* Debian Running 1\n"
    finding = next(f for f in diagnose(paste, CURRENT).findings if f.check_id == "windows.distro.version")
    assert any("Debian" in s.text for s in finding.fix) and not any("{distro}" in s.text for s in finding.fix)


# ---------------------------------------------------------------- decisions against the profile
def test_known_bad_build_is_a_problem_another_build_only_a_note():
    bad = diagnose("Microsoft Windows [Version 10.0.20231.1000]\n", CURRENT)  # profile known_bad_builds
    assert [f.check_id for f in bad.findings] == ["windows.build"] and bad.exit_code == 1
    # `documented` wants exactly the guide's 20201: a newer build is only not the guide's
    other = diagnose("Microsoft Windows [Version 10.0.22631.4037]\n", load_profile("documented"))
    assert other.findings == [] and [f.check_id for f in other.notes] == ["windows.build"] and other.exit_code == 0
    assert diagnose("Microsoft Windows [Version 10.0.22631.4037]\n", CURRENT).notes == []
    # 21H1 (19043) has no GPU paravirtualisation: the known-causes signature says so, the profile notes it
    old = diagnose("Microsoft Windows [Version 10.0.19043.1000]\n", CURRENT)
    assert [f.signature_id for f in old.findings] == ["windows.build-without-gpu-pv"]
    assert [f.check_id for f in old.notes] == ["windows.build"]


def test_the_profile_decides_what_is_old():
    kernel = "Linux version 4.19.128-microsoft-standard (oe-user@oe-host) (gcc version 8.2.0 (GCC)) #1 SMP\n"
    assert [f.check_id for f in diagnose(kernel, CURRENT).notes] == ["wsl.kernel.version"]
    assert diagnose(kernel, load_profile("documented")).notes == []


def test_wsl1_kernel_is_a_problem():
    # uname -a of WSL 1 (kernel__uname-a-wsl1-4.4.0-19041-then-wsl2-4.19.84.txt's format)
    result = diagnose("$ uname -a\nLinux pc 4.4.0-19041-Microsoft #488-Microsoft Mon Sep 01 13:43:00 PST 2020 x86_64\n",
                      CURRENT)
    assert "wsl.version2" in [f.check_id for f in result.findings]


def test_nbody_below_the_baseline_is_a_problem_at_it_none():
    def nbody(gflops: float) -> str:  # setup-guide §3.4's format
        return ('GPU Device 0: "GeForce RTX 2070" with compute capability 7.5\n'
                "36864 bodies, total time for 10 iterations: 67.554 ms\n"
                f"= 201.166 billion interactions per second\n= {gflops} single-precision GFLOP/s at 20 flops per interaction\n")

    assert ids(nbody(4023.329)) == []
    assert ids(nbody(1000.0)) == ["gpu.nbody.performance"]


def test_docker_desktop_engine_and_linux_driver_libraries():
    # docker version's Server block (docker-info__version-server-docker-desktop-4.27-windows-client.txt's format)
    desktop = ("Client:\n Version:           24.0.7\n OS/Arch:           linux/amd64\n\nServer: Docker Desktop 4.27.1 (136059)\n"
               " Engine:\n  Version:          25.0.2\n  OS/Arch:          linux/amd64\n")
    assert "docker.engine.community" in ids(desktop)
    community = ("Client:\n Version:           24.0.7\n OS/Arch:           linux/amd64\n\nServer: Docker Engine - Community\n"
                 " Engine:\n  Version:          24.0.7\n  OS/Arch:          linux/amd64\n")
    assert ids(community) == []
    # ldconfig -p rows (shell.parse_ldconfig's format): libcuda from a Linux driver shadows WSL's
    shadowed = "1 libs found in cache `/etc/ld.so.cache'\n\tlibcuda.so.1 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libcuda.so.1\n"
    assert ids(shadowed) == ["wsl.driver.loader"]
    wsl = "1 libs found in cache `/etc/ld.so.cache'\n\tlibcuda.so.1 (libc6,x86-64) => /usr/lib/wsl/lib/libcuda.so.1\n"
    assert ids(wsl) == []


def test_a_signature_leads_the_check_of_its_part():
    paste = "$ wsl -l -v\n  NAME      STATE           VERSION\n* Ubuntu    Stopped         1\n"
    found = diagnose(paste, CURRENT).findings
    kinds = ["signature" if f.signature_id else "check" for f in found if f.part == 1]
    assert "check" in kinds and (kinds.index("signature") < kinds.index("check") if "signature" in kinds else True)
    signature_finding = next((f for f in found if f.signature_id), None)
    if signature_finding:
        assert signature_finding.source.startswith("https://") and signature_finding.confidence in ("high", "medium", "low")


def test_unreadable_part_is_said_never_raised():
    result = diagnose("$ docker info\nthis is not docker info\n", CURRENT)
    reading = result.parts[0].readings[0]
    assert reading.unreadable == "docker info" and result.findings == []


# ---------------------------------------------------------------- the command line
def run_main(capsys, argv, stdin: bytes | None = None, monkeypatch=None):
    if stdin is not None:
        class In:
            buffer = __import__("io").BytesIO(stdin)
        monkeypatch.setattr(sys, "stdin", In)
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_exit_codes(capsys, monkeypatch, tmp_path):
    healthy = tmp_path / "ok.txt"
    healthy.write_text("$ cat /proc/version\nLinux version 5.15.90.1-microsoft-standard-WSL2 (gcc) #1 SMP\n")
    code, out, _ = run_main(capsys, [str(healthy)])
    assert code == 0 and "no known problem in this output" in out and "cat /proc/version" in out
    broken = tmp_path / "bad.txt"
    broken.write_text("docker: Error response from daemon: could not select device driver \"\" with "
                      "capabilities: [[gpu]].\n")  # the signature module's own doctest line
    code, out, _ = run_main(capsys, [str(broken)])
    assert code == 1 and "[docker]" in out and "https://" in out
    code, out, _ = run_main(capsys, ["-"], b"hello there\nnothing to see\n", monkeypatch)
    assert code == 2 and "could not recognise this part: first line 'hello there'" in out
    for bad in (["--nope"], ["a", "b"], ["--cert-profile"], ["--cert-profile", "no-such-profile"]):
        code, out, err = run_main(capsys, bad)
        assert code == 4 and out == "" and len(err.strip().splitlines()) == 1, bad
    old = tmp_path / "old.txt"  # a 4.19 kernel: the guide's, so auto judges it under `documented` (nothing to say);
    old.write_text("Linux version 4.19.128-microsoft-standard (oe-user@oe-host) (gcc version 8.2.0 (GCC)) #1 SMP\n")
    code, out, _ = run_main(capsys, [str(old)])  # under `current`, asked for, a note and the one-line contradiction
    assert code == 0 and "note(s)" not in out and "profile documented: kernel 4.19.128-microsoft-standard" in out
    code, out, _ = run_main(capsys, [str(old), "--cert-profile", "current"])
    assert code == 0 and "1 note(s)" in out and "wsl.kernel.version" in out
    assert "profile current: --cert-profile current contradicts this machine, which reads as documented" in out
    code, _, err = run_main(capsys, [str(tmp_path / "absent.txt")])
    assert code == 2 and len(err.strip().splitlines()) == 1


def test_empty_and_binary_input(capsys, monkeypatch):
    code, out, _ = run_main(capsys, ["-"], b"", monkeypatch)
    assert code == 2 and "the input is empty" in out
    garbage = bytes(range(256)) * 64 + os.urandom(4096)
    start = time.perf_counter()
    code, out, err = run_main(capsys, ["-"], garbage, monkeypatch)
    assert time.perf_counter() - start < 5 and code == 2 and err == ""
    assert "could not recognise this part" in out


def test_ten_megabytes_of_noise_are_cut_and_said(capsys, monkeypatch):
    blob = noise(10 * 2**20)
    start = time.perf_counter()
    code, out, _ = run_main(capsys, ["-", "--json"], blob, monkeypatch)
    assert time.perf_counter() - start < 10
    document = json.loads(out)
    assert document["truncated"] is True and document["read"] <= SCAN_LIMIT < document["characters"]
    code, out, _ = run_main(capsys, ["-"], blob, monkeypatch)
    assert "only the first" in out and "characters were read" in out


def test_json_document(capsys, monkeypatch):
    paste = b"$ wsl -l -v\n  NAME      STATE           VERSION\n* Ubuntu    Stopped         1\n"
    code, out, _ = run_main(capsys, ["-", "--json"], paste, monkeypatch)
    document = json.loads(out)
    assert code == 1 == document["exit_code"]
    part = document["parts"][0]
    assert (part["kind"], part["command"], part["recognised_by"]) == ("wsl.exe --list --verbose", "wsl -l -v", "command")
    finding = next(f for f in document["findings"] if f["check_id"] == "windows.distro.version")
    assert set(finding) >= {"layer", "check_id", "signature_id", "cause", "fix", "source", "confidence"}
    assert all(("run" in s and s["shell"]) or "say" in s for s in finding["fix"])


def test_a_few_hundred_lines_take_well_under_a_second():
    lines = "\n".join(f"$ cat /proc/version\nLinux version 5.15.{n}.1-microsoft-standard-WSL2 (gcc) #1 SMP"
                      for n in range(150))
    diagnose("warm up", CURRENT)
    start = time.perf_counter()
    result = diagnose(lines, CURRENT)
    assert time.perf_counter() - start < 0.5 and len(result.parts) == 150


ENV = {**os.environ, "PYTHONPATH": str(REPO / "plugins")}


def test_subprocess_with_stdin_and_with_a_file(tmp_path):
    paste = "$ wsl.exe --status\nDefault Distribution: Ubuntu\nDefault Version: 1\n"
    by_stdin = subprocess.run([sys.executable, "-m", "wslgpu_certify", "diagnose", "-"], input=paste.encode(),
                              capture_output=True, env=ENV, timeout=60)
    assert by_stdin.returncode == 1 and b"windows.wsl.default_version" in by_stdin.stdout, by_stdin.stderr
    assert b"Traceback" not in by_stdin.stderr
    path = tmp_path / "paste.txt"
    path.write_bytes(codecs.BOM_UTF16_LE + paste.replace("\n", "\r\n").encode("utf-16-le"))
    by_file = subprocess.run([sys.executable, "-m", "wslgpu_certify", "diagnose", str(path), "--json"],
                             capture_output=True, env=ENV, timeout=60)
    assert by_file.returncode == 1
    assert [f["check_id"] for f in json.loads(by_file.stdout)["findings"]] == ["windows.wsl.default_version"]


def test_secrets_in_a_paste_never_reach_the_answer():
    paste = ("$ docker logs jupyter\n    http://127.0.0.1:8888/?token=abc123def456abc123def456\n"
             "PASSWORD=hunter22secret\n"
             'docker: Error response from daemon: could not select device driver "" with capabilities: [[gpu]].\n')
    for argv in (["-"], ["-", "--json"]):
        proc = subprocess.run([sys.executable, "-m", "wslgpu_certify", "diagnose", *argv], input=paste.encode(),
                              capture_output=True, timeout=60)
        out = proc.stdout.decode() + proc.stderr.decode()
        assert proc.returncode == 1 and "toolkit.no-gpu-driver-selected" in out, out
        assert "abc123def456" not in out and "hunter22secret" not in out
