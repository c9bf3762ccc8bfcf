"""Quoting a value for the shell a command runs in: a value is always data, never code.

One function per shell, and `quote(value, shell)` choosing among them by the names a fix step
or a probe uses. A value that needs no quoting stays bare (`Ubuntu-22.04`, `analyst`), so fixes
and snapshot keys read as before; anything else is quoted so that the shell sees one literal
argument, or refused (`Unquotable`) where the shell has no way to say it literally.

Sources for the rules:
- POSIX sh: `shlex.quote` (single quotes; a `'` inside becomes `'"'"'`).
- PowerShell: inside '...' nothing is expanded and a quote is written twice; PowerShell takes the
  typographic quotes U+2018..U+201B as single quotes too (about_Quoting_Rules), so they are
  doubled as well.
- cmd.exe: inside "..." `& | < > ^` are literal, but `%VAR%` still expands, `!VAR!` expands under
  delayed expansion and a `"` ends the quotes; there is no escape for these inside quotes
  (`^` is literal there), so a value holding them is refused.
- Control characters (newline, ESC, ...) are refused everywhere: a pasted fix is one line, and a
  newline ends a command in every one of these shells.
"""

from __future__ import annotations

import json
import re
import shlex

from .lazy_regex import regex

# Bare in every shell named here: no word splitting, globbing, expansion or operators.
# (A leading '-' could read as an option; the names quoted here never start one.)
_BARE = regex(r"[A-Za-z0-9_/][A-Za-z0-9._+:/@=-]*")
_BARE_WINDOWS = regex(r"[A-Za-z0-9_][A-Za-z0-9._:\\-]*")  # cmd and PowerShell: no '=', '@', '/' ...
_CONTROL = regex(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_CMD_UNQUOTABLE = regex(r'["%!]')
_PS_SINGLE_QUOTES = "'\u2018\u2019\u201a\u201b"
# Inside sh's "..." (the PowerShell probe's string runs under /bin/sh -c and cmd /c, in double quotes
# for both): $ ` \ " are special to sh, " % ! to cmd.
_IN_DOUBLE_QUOTES_UNSAFE = regex(r'["$`\\%!]')


class Unquotable(ValueError):
    """A value the shell has no literal form for; the message says why in one line."""


def _no_control(value: str, shell: str) -> None:
    if _CONTROL.search(value):
        raise Unquotable(f"it holds a control character (a newline, an escape...), which {shell} cannot take as data")


def sh(value: str) -> str:
    """POSIX sh and bash: `shlex.quote`, bare when nothing needs quoting.

    >>> sh("Ubuntu-22.04"), sh("Ubuntu & curl x | sh &")
    ('Ubuntu-22.04', "'Ubuntu & curl x | sh &'")
    """
    _no_control(value, "a shell line")
    return shlex.quote(value)


def sh_single_quoted(value: str) -> str:
    """shlex.quote's form even where it would leave the value bare: a command whose snapshot key always
    held '...' (the Jupyter URL, with or without its token) keeps the same string.

    >>> print(sh_single_quoted("http://127.0.0.1:8888/api/status"), sh_single_quoted("a'b"))
    'http://127.0.0.1:8888/api/status' 'a'"'"'b'
    """
    _no_control(value, "a shell line")
    return "'" + value.replace("'", "'\"'\"'") + "'"


def powershell(value: str) -> str:
    """PowerShell: bare when plain, else '...' with every single quote written twice.

    >>> powershell("Ubuntu"), powershell("it's $(calc)")
    ('Ubuntu', "'it''s $(calc)'")
    """
    _no_control(value, "PowerShell")
    if _BARE_WINDOWS.fullmatch(value):
        return value
    return "'" + "".join(c * 2 if c in _PS_SINGLE_QUOTES else c for c in value) + "'"


def cmd(value: str) -> str:
    """cmd.exe: bare when plain, else "..." (where & | < > ^ are literal); % ! " cannot be quoted.

    >>> cmd("Ubuntu"), cmd("My Distro & more")
    ('Ubuntu', '"My Distro & more"')
    """
    _no_control(value, "cmd")
    if _BARE_WINDOWS.fullmatch(value):
        return value
    if _CMD_UNQUOTABLE.search(value):
        raise Unquotable('it holds % ! or ", which cmd expands or ends quotes at even inside "..."')
    return f'"{value}"'


def powershell_in_double_quotes(value: str) -> str:
    """PowerShell '...' for a script that is itself one "..." argument of /bin/sh -c and of cmd /c.

    >>> powershell_in_double_quotes("http://localhost:8888/api/status?token=0a1b")
    "'http://localhost:8888/api/status?token=0a1b'"
    """
    _no_control(value, "PowerShell")
    if _IN_DOUBLE_QUOTES_UNSAFE.search(value):
        raise Unquotable('it holds " $ ` \\ % or !, which the sh or cmd line around the PowerShell script expands')
    return "'" + "".join(c * 2 if c in _PS_SINGLE_QUOTES else c for c in value) + "'"


def windows_either(value: str) -> str:
    """A command of the `windows` role runs under /bin/sh -c (WSL interop) or cmd /c (on Windows):
    only a value bare in both is put in.

    >>> windows_either("Ubuntu-22.04")
    'Ubuntu-22.04'
    """
    _no_control(value, "cmd or sh")
    if not _BARE_WINDOWS.fullmatch(value) or "\\" in value:
        raise Unquotable("only letters, digits, '.', '_', '-' and ':' can stand in a line run by both sh and cmd")
    return value


def windows_double_quoted(value: str) -> str:
    r""""..." for a `windows` role line (run by /bin/sh -c or cmd /c): nothing either shell expands inside
    (no " % ! $ `), and no backslash that could escape the closing quote for sh (a doubled or a last one).

    >>> print(windows_double_quoted(r"C:\wslbackup\ubuntu.tar"))
    "C:\wslbackup\ubuntu.tar"
    """
    _no_control(value, "cmd or sh")
    if re.search(r'["%!$`]|\\\\|\\$', value):
        raise Unquotable('it holds " % ! $ `, a doubled backslash or a last one, which sh or cmd would read in "..."')
    return f'"{value}"'


def python_literal(value: str | int) -> str:
    """A Python (or R) literal: a number as digits, a string as a JSON string (valid in both, one line).

    >>> python_literal("rstudio"), python_literal(8787)
    ('"rstudio"', '8787')
    """
    if isinstance(value, int):
        return str(value)
    return json.dumps(value)  # \n, quotes and backslashes escaped; ASCII only, so no heredoc EOF line


def plain(value: str) -> str:
    """For a place whose quoting this module cannot know (a Dockerfile line holding an R string in sh
    quotes): only a value that needs no quoting anywhere.

    >>> plain("/usr/bin/python3")
    '/usr/bin/python3'
    """
    _no_control(value, "that line")
    if not _BARE.fullmatch(value):
        raise Unquotable("only letters, digits and . _ + : / @ = - can stand in that line unquoted")
    return value


QUOTERS = {"bash": sh, "sh": sh, "sh-single-quoted": sh_single_quoted, "cmd": cmd, "powershell": powershell, "r": plain, "dockerfile": plain,
           "windows": windows_either, "windows-double-quoted": windows_double_quoted,
           "powershell-in-double-quotes": powershell_in_double_quotes,
           "python": python_literal}


def quote(value, shell: str) -> str:
    """`value` as one literal argument of `shell` (a key of QUOTERS); raises Unquotable.
    A number (a port, a count) needs no quoting anywhere."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return QUOTERS[shell](value)
