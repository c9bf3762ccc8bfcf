"""HTTP status probes: curl's -w '%{http_code}', the RStudio poll and Windows PowerShell's WINDOWS_HTTP_STATUS."""

import subprocess

import pytest

from wslgpu_certify.probes import containers
from wslgpu_certify.parsers.errors import UnreadableOutput
from wslgpu_certify.parsers.shell import parse_http_status
from wslgpu_certify.placeholders import fill

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
