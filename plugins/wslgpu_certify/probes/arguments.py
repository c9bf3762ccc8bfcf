"""What a value must look like before it goes into a probe's command: one grammar per kind of value.

A probe's command may hold `{placeholders}` filled with what the run read from the machine (a port
from a container's start record, the Jupyter token from its log, a distro name from `wsl -l -v`)
or from a profile. Each placeholder names its grammar (Probe.args); `probes.probe.command_for`
parses every value with it before quoting it (quoting.py): a value outside its grammar fails the
check with a one-line reason and never reaches a shell. Quoting alone would keep a hostile value
inert; the grammar also keeps a value the real program never prints from passing as one.

Each grammar cites where its shape comes from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..lazy_regex import regex
from ..redact import MASK


class BadArgument(ValueError):
    """A value outside its grammar; the message is one line and never quotes a secret."""


@dataclass(frozen=True)
class Grammar:
    what: str  # the kind of value, for the one-line reason
    pattern: re.Pattern
    shape: str  # the grammar as a person reads it
    secret: bool = False  # never quoted in a message (a token)
    replayed: re.Pattern | None = None  # in replay: the shape a snapshot stores it in (the secret redacted)
    as_int: bool = False
    limits: tuple[int, int] | None = None

    def parse(self, value, replaying: bool = False):
        text = str(value) if self.as_int and isinstance(value, int) and not isinstance(value, bool) else value
        if not isinstance(text, str):
            raise BadArgument(f"{self.what} is a {type(value).__name__}, not text")
        if not (self.pattern.fullmatch(text) or (replaying and self.replayed and self.replayed.fullmatch(text))):
            shown = "" if self.secret else f" {text[:80]!r}"
            raise BadArgument(f"{self.what}{shown} is not {self.shape}")
        if not self.as_int:
            return text
        number = int(text)
        low, high = self.limits
        if not low <= number <= high:
            raise BadArgument(f"{self.what} {number} is not in {low}..{high}")
        return number


# TCP ports (RFC 793: 16 bits; 0 is never a listening port).
PORT = Grammar("a TCP port", regex(r"[0-9]{1,5}"), "a number 1..65535", as_int=True, limits=(1, 65535))

# A count of training epochs from a profile.
COUNT = Grammar("a count", regex(r"[0-9]{1,4}"), "a number 1..1000", as_int=True, limits=(1, 1000))

# Jupyter's token: jupyter_server (auth/identity.py) and notebook 5/6 (NotebookApp._token_default) both
# generate binascii.hexlify(os.urandom(24)); ASCII letters and digits cover every token the guide's images print.
_TOKEN = r"[A-Za-z0-9]{1,256}"
# The URL the Jupyter checks ask: /api/status on the loopback name and the port Docker published.
_API = r"http://(?:127\.0\.0\.1|localhost):[0-9]{1,5}/api/status"
JUPYTER_API_URL = Grammar(
    "the Jupyter URL made with the token from the container's log", regex(rf"{_API}(?:\?token={_TOKEN})?"),
    "http://127.0.0.1:PORT/api/status?token=TOKEN with a token of ASCII letters and digits only, as Jupyter "
    "generates it", secret=True,
    replayed=regex(rf"{_API}\?token={re.escape(MASK)}"))  # a snapshot stores the token redacted

# WSL distribution names: "must conform to ^[a-zA-Z0-9._-]+$" (microsoft/WSL-DistroLauncher, DistributionInfo.h).
DISTRO = Grammar("the WSL distro name", regex(r"[A-Za-z0-9._-]{1,128}"),
                 "a WSL distro name (letters, digits, '.', '_', '-')")

# Linux user names: shadow-utils' default (is_valid_user_name): [A-Za-z0-9_.][A-Za-z0-9_.-]* with an
# optional trailing $, at most 32 characters (LOGIN_NAME_MAX of useradd).
USER = Grammar("the user name", regex(r"[A-Za-z0-9_.][A-Za-z0-9_.-]{0,30}\$?"),
               "a Linux user name (letters, digits, '.', '_', '-')")

# Docker image references (distribution/reference's grammar, reference.go): [domain[:port]/]path[:tag][@digest].
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_DOMAIN = r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::[0-9]+)?"
IMAGE = Grammar(
    "the image reference",
    regex(rf"(?:{_DOMAIN}/)?{_COMPONENT}(?:/{_COMPONENT})*(?::[\w][\w.-]{{0,127}})?"
          r"(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?"),
    "a Docker image reference (name[:tag][@digest])")

# APT's sources.list.d file names: "only letters (a-z and A-Z), digits (0-9), underscore (_), hyphen (-)
# and period (.)" (sources.list(5)); a leading '.' (., .., hidden) is no list APT reads, nor a leading '-'
# (read as an option wherever the name is an argument of its own).
APT_LIST = Grammar("the APT list name", regex(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}"),
                   "a sources.list.d file name (letters, digits, '_', '-', '.')")

# A Windows file path from a profile: a drive, then names without Windows' reserved characters
# (< > : " / | ? * and control characters, "Naming Files, Paths, and Namespaces"), nor % ! $ `, which
# cmd and sh would expand in the "..." the probe puts it in, nor a '\' that could escape that closing quote.
WINDOWS_PATH = Grammar("the Windows path", regex(r"[A-Za-z]:(?:\\[^<>:\"/|?*%!$`\\\x00-\x1f]+)+"),
                       "a path like C:\\folder\\file.tar (no % ! $ ` or \" in it)")

# The role names the suite gives its containers (containers/plans.py): internal, but they name commands too.
ROLE = Grammar("the container role", regex(r"[a-z][a-z0-9_-]{0,31}"), "a role name")

# DISM optional-feature names ("Microsoft-Windows-Subsystem-Linux", "VirtualMachinePlatform": `dism /online
# /get-features` lists them): letters, digits, '-', '.', '_'.
DISM_FEATURE = Grammar("the Windows feature name", regex(r"[A-Za-z0-9._-]{1,128}"),
                       "a DISM feature name (letters, digits, '.', '_', '-')")
