"""Regular expressions compiled on their first use, not at import.

The package defines about 360 patterns at module level (parsers, redaction, versions, fix steps, diagnose); a
replay of the healthy machine uses about 100 of them, and compiling all of them at import was about a tenth of
its start-up beyond pytest's own (issue #24, bench/startup_bench.py). `regex(pattern, flags)` stands where
`re.compile(pattern, flags)` stood and answers the same methods; the pattern is compiled by `re` itself, once,
when one of them is first asked for. A pattern that does not compile fails there, and the tests compile every
module's patterns (tests/parsers/test_regexes.py), so a typo still fails the suite's own tests, not a user's run.
"""

from __future__ import annotations

import re

# What a compiled pattern answers (re.Pattern's methods and attributes), each taken from it on first use.
FORWARDED = ("search", "match", "fullmatch", "finditer", "findall", "sub", "subn", "split", "groups", "groupindex")


class LazyRegex:
    """re.compile(pattern, flags), on the first use of one of its methods.

    The first use puts the compiled pattern's own bound methods on the instance, so every later call is the
    regex engine's, with nothing of ours in between (patterns run thousands of times a replay)."""

    def __init__(self, pattern: str, flags: int = 0):
        self.pattern = pattern
        self.flags = flags

    def __getattr__(self, name: str):  # only for a name the instance does not hold yet: the first use
        if name != "compiled" and name not in FORWARDED:
            raise AttributeError(name)
        compiled = re.compile(self.pattern, self.flags)
        self.__dict__.update({method: getattr(compiled, method) for method in FORWARDED}, compiled=compiled)
        return self.__dict__[name]

    def __repr__(self) -> str:
        return f"regex({self.pattern!r})"


def regex(pattern: str, flags: int = 0) -> LazyRegex:
    return LazyRegex(pattern, flags)
