"""Regular expressions compiled on their first use, not at import.

The package defines about 230 patterns at module level (parsers, redaction, versions, fix steps); a replay of
the healthy machine uses about half of them, and compiling all of them at import was about a tenth of its
start-up beyond pytest's own (issue #24, bench/startup_bench.py). `regex(pattern, flags)` stands where
`re.compile(pattern, flags)` stood and answers the same methods; the pattern is compiled by `re` itself, once,
when one of them is first called. A pattern that does not compile fails there, and the tests call every module's
patterns (tests/parsers/test_regexes.py), so a typo still fails the suite's own tests, not a user's run.
"""

from __future__ import annotations

import re


class LazyRegex:
    """re.compile(pattern, flags), on the first call of one of its methods."""

    __slots__ = ("pattern", "flags", "_compiled")

    def __init__(self, pattern: str, flags: int = 0):
        self.pattern = pattern
        self.flags = flags
        self._compiled: re.Pattern | None = None

    @property
    def compiled(self) -> re.Pattern:
        if self._compiled is None:
            self._compiled = re.compile(self.pattern, self.flags)
        return self._compiled

    def search(self, *args, **kwargs):
        return self.compiled.search(*args, **kwargs)

    def match(self, *args, **kwargs):
        return self.compiled.match(*args, **kwargs)

    def fullmatch(self, *args, **kwargs):
        return self.compiled.fullmatch(*args, **kwargs)

    def finditer(self, *args, **kwargs):
        return self.compiled.finditer(*args, **kwargs)

    def findall(self, *args, **kwargs):
        return self.compiled.findall(*args, **kwargs)

    def sub(self, *args, **kwargs):
        return self.compiled.sub(*args, **kwargs)

    def subn(self, *args, **kwargs):
        return self.compiled.subn(*args, **kwargs)

    def split(self, *args, **kwargs):
        return self.compiled.split(*args, **kwargs)

    @property
    def groups(self) -> int:
        return self.compiled.groups

    @property
    def groupindex(self):
        return self.compiled.groupindex

    def __repr__(self) -> str:
        return f"regex({self.pattern!r})"


def regex(pattern: str, flags: int = 0) -> LazyRegex:
    return LazyRegex(pattern, flags)
