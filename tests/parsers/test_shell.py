"""HTTP status probes (curl's -w '%{http_code}', the RStudio poll, Windows PowerShell's WINDOWS_HTTP_STATUS),
presence probes, ldconfig -p, pgrep -a and the shared check for binary noise."""

import subprocess

import pytest

from damage import RANDOM_TEXT

from wslgpu_certify.parsers._text import MAX_GPUS, plausible_count, require_text
from wslgpu_certify.parsers.errors import UnreadableOutput
from wslgpu_certify.parsers.shell import parse_http_status, parse_ldconfig, parse_pgrep, parse_presence
from wslgpu_certify.placeholders import fill
from wslgpu_certify.probes import containers

URL = "http://localhost:49153/api/status?token=0123456789abcdef"


@pytest.mark.parametrize("text, status", [
    ("200", 200),  # curl -w '%{http_code}' prints no newline
    ("000", 0),  # curl: nothing answered
    ("000\n<urlopen error [Errno 111] Connection refused>\n", 0),  # RSTUDIO_HTTP
    # WINDOWS_HTTP_STATUS: .StatusCode of a 2xx answer; the catch prints the status of a 4xx/5xx
    # answer (WebException.Response) or 000 when there was none, then the exception's message.
    ("200\n", 200),
    ("403\nThe remote server returned an error: (403) Forbidden.\n", 403),
    ("000\nUnable to connect to the remote server\n", 0),
    ("000\nThe operation has timed out.\n", 0),
])
def test_http_status(text, status):
    assert parse_http_status(text) == status


def test_http_status_without_a_code_is_unreadable():
    # What the earlier WINDOWS_HTTP_STATUS left when Invoke-WebRequest threw: no code at all.
    with pytest.raises(UnreadableOutput):
        parse_http_status("Invoke-WebRequest : Unable to connect to the remote server\nAt line:1 char:2\n")


def test_windows_http_status_command_survives_sh_and_cmd_quoting():
    """The -Command text is one double-quoted word for /bin/sh (WSL interop) and for cmd.exe: nothing in it
    may be expanded or unescaped by either ($, backtick, backslash, %, a nested double quote)."""
    command = fill(containers.WINDOWS_HTTP_STATUS.command, {"url": URL})
    prefix = 'powershell.exe -NoProfile -Command "'
    assert command.startswith(prefix) and command.endswith('"')
    script = command[len(prefix):-1]
    assert not set(script) & set('$`\\"%!'), script
    assert URL in script and "exit 0" in script
    echoed = subprocess.run(["/bin/sh", "-c", "printf '%s' " + command[len(prefix) - 1:]],
                            capture_output=True, text=True, check=True).stdout
    assert echoed == script


# ---- damaged output: presence, ldconfig -p, pgrep -a, and the shared noise check



GARBAGE = RANDOM_TEXT

DXG = "crw-rw-rw- 1 root root 10, 63 Nov 24 10:01 /dev/dxg\n"  # `ls -la /dev/dxg` (nvidia-smi__dev-dxg-present.txt)
IMAGE_ID = "sha256:" + "0123456789abcdef" * 4 + "\n"  # `docker image inspect --format '{{.Id}}' IMAGE`


def test_require_text_accepts_real_text(corpus_text):
    for name in ("wsl-cli__zh-ver-18362-wsl-l-v-unsupported.txt", "nvidia-smi__windows-exe-tcc-wddm-column-526.47.txt",
                 "rpy2__situation-healthy-3.5.9-usr-lib-R.txt"):
        text = corpus_text(name)
        assert require_text("x", text) == require_text("x", "\x00".join(text.replace("\n", "\r\n")))


def test_require_text_refuses_noise():
    with pytest.raises(UnreadableOutput, match="binary noise"):
        require_text("x", GARBAGE)
    # a stray replacement character in a long output (one mis-decoded letter) is still text
    assert require_text("x", "Feature Name : Foo\ufffd\n" + "State : Enabled\n" * 5)


def test_plausible_count():
    assert plausible_count("gpus", list(range(MAX_GPUS)), "") == list(range(MAX_GPUS))
    with pytest.raises(UnreadableOutput):
        plausible_count("gpus", list(range(MAX_GPUS + 1)), "")


@pytest.mark.parametrize("text", [DXG, IMAGE_ID, "present\n"])
def test_presence_reads_whole_answers_in_every_encoding(text):
    assert parse_presence(text) is True
    assert parse_presence("\x00".join(text.replace("\n", "\r\n"))) is True


@pytest.mark.parametrize("text, whole", [
    (DXG, DXG.index("/dev/dxg") + 1),  # the row up to its name
    (IMAGE_ID, len(IMAGE_ID) - 1),  # all 64 hex digits
    ("present\n", len("present")),
])
def test_presence_every_cut_is_unreadable(text, whole):
    for cut in range(0, whole):
        with pytest.raises(UnreadableOutput):
            parse_presence(text[:cut])
    assert parse_presence(text[:whole]) is True


def test_presence_garbage_is_unreadable():
    with pytest.raises(UnreadableOutput):
        parse_presence(GARBAGE)


# `ldconfig -p` as glibc prints it: the count, then one row per cached library.
LDCONFIG = """\
4 libs found in cache `/etc/ld.so.cache'
\tlibnvidia-ml.so.1 (libc6,x86-64) => /usr/lib/wsl/lib/libnvidia-ml.so.1
\tlibdxcore.so (libc6,x86-64) => /usr/lib/wsl/lib/libdxcore.so
\tlibc.so.6 (libc6,x86-64, OS ABI: Linux 3.2.0) => /lib/x86_64-linux-gnu/libc.so.6
\tlibcuda.so.1 (libc6,x86-64) => /usr/lib/wsl/lib/libcuda.so.1
"""


def test_ldconfig_reads_in_every_encoding():
    libraries = parse_ldconfig(LDCONFIG)
    assert libraries["libcuda.so.1"] == "/usr/lib/wsl/lib/libcuda.so.1" and len(libraries) == 4
    assert parse_ldconfig("\x00".join(LDCONFIG.replace("\n", "\r\n"))) == libraries


def test_ldconfig_every_cut_is_unreadable():
    # Cut between rows the count no longer matches; cut inside a row its path no longer ends in its name.
    for cut in range(0, len(LDCONFIG) - 1):
        with pytest.raises(UnreadableOutput):
            parse_ldconfig(LDCONFIG[:cut])


def test_ldconfig_garbage_and_singular_count():
    with pytest.raises(UnreadableOutput):
        parse_ldconfig(GARBAGE)
    assert parse_ldconfig("1 library found in cache `/etc/ld.so.cache'\n\tlibc.so.6 (libc6,x86-64) => /lib/libc.so.6\n")


@pytest.mark.parametrize("text, expected", [
    ("312 dockerd\n", ["dockerd"]),
    ("312 /usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock\n",
     ["/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock"]),
    ("", []),  # nothing runs: pgrep prints nothing (and exits 1, which the probe judges)
])
def test_pgrep_reads_dockerd(text, expected):
    assert parse_pgrep(text) == expected
    assert parse_pgrep("\x00".join(text.replace("\n", "\r\n"))) == expected


@pytest.mark.parametrize("text", ["312 do", "31", "312 /usr/bin/dock", "312 containerd\n", "dockerd\n", "0 dockerd\n"])
def test_pgrep_rows_that_name_no_dockerd_are_unreadable(text):
    with pytest.raises(UnreadableOutput):
        parse_pgrep(text)


def test_pgrep_every_cut_of_a_row_is_unreadable():
    row = "312 /usr/bin/dockerd -H fd://\n"
    for cut in range(1, row.index("dockerd") + len("dockerd")):
        with pytest.raises(UnreadableOutput):
            parse_pgrep(row[:cut])


def test_pgrep_thousands_of_processes_and_garbage_are_unreadable():
    with pytest.raises(UnreadableOutput, match="not plausible"):
        parse_pgrep("".join(f"{pid} dockerd\n" for pid in range(100, 3100)))
    with pytest.raises(UnreadableOutput):
        parse_pgrep(GARBAGE)


@pytest.mark.parametrize("text", ["20", "2", "999\n", GARBAGE])
def test_http_status_cut_or_noise_is_unreadable(text):
    with pytest.raises(UnreadableOutput):
        parse_http_status(text)


def test_require_text_refuses_megabytes_unless_unbounded():
    repeated = "present\n" * 200_000  # 1.6 MB: the same answer printed over and over
    with pytest.raises(UnreadableOutput, match="not plausible"):
        parse_presence(repeated)
    assert require_text("log", repeated, most=None) == repeated
