"""`{name}` placeholders in catalog text, fix commands and probe commands.

Only `{identifier}` is a placeholder; shell `${VAR}`, Go templates `{{json .}}` and
JSON stay as written, which `str.format` would not allow.

A value put into a fix command (`fill_command`) is quoted for the shell the step names
(quoting.py): a distro called `Ubuntu & curl x | sh &` is printed as one quoted argument, never as
code a person pastes. A value that shell cannot quote is left out, its `<NAME>` standing in for
it. Our own stand-ins (`<USER_NAME>` when the user is unknown) are `StandIn`s and stay as written.
"""

import re

from .lazy_regex import regex
from .quoting import Unquotable, quote

PLACEHOLDER = regex(r"(?<![{$])\{([A-Za-z_][A-Za-z0-9_]*)\}(?!\})")


class StandIn(str):
    """A value the reader replaces by hand (`<USER_NAME>`): ours, never the machine's, so never quoted."""


def fill(text: str, values: dict) -> str:
    """Fill the placeholders we know and keep the others for a later pass (for words, not commands).

    >>> fill("usermod -aG docker {user} # {later} ${HOME} {{json .}}", {"user": "ana"})
    'usermod -aG docker ana # {later} ${HOME} {{json .}}'
    """
    return PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), m.group(0))), text)


def fill_command(text: str, values: dict, shell: str) -> str:
    """Fill a command for `shell` (a key of findings.SHELLS) with each value quoted as one argument.

    >>> fill_command("wsl.exe --set-version {distro} 2", {"distro": "Ubuntu-22.04"}, "cmd")
    'wsl.exe --set-version Ubuntu-22.04 2'
    >>> fill_command("sudo usermod -a -G docker {user}", {"user": "x; rm -rf ~"}, "bash")
    "sudo usermod -a -G docker 'x; rm -rf ~'"
    >>> fill_command("wsl.exe -d {distro}", {"distro": "Ub%PATH%"}, "cmd")
    'wsl.exe -d <DISTRO>'
    """
    def one(match: re.Match) -> str:
        name = match.group(1)
        if name not in values:
            return match.group(0)
        value = values[name]
        if isinstance(value, StandIn):
            return value
        try:
            return quote(str(value), shell)
        except Unquotable:
            return f"<{name.upper()}>"

    return PLACEHOLDER.sub(one, text)
