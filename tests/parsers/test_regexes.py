"""Every pattern the package defines with lazy_regex.regex compiles, and answers as re.compile's pattern would.

A module-level pattern is compiled on its first use (lazy_regex.py), so a typo would surface only when a run
first needs it: here every module of the package is imported and each of its patterns compiled, whether a
replay uses it or not. The stand-in answers search/match/fullmatch/finditer/findall/sub/subn/split, groups,
groupindex, pattern and flags exactly as the compiled pattern does, and compiles once.
"""

from __future__ import annotations

import importlib
import pkgutil
import re

import pytest

import wslgpu_certify
from wslgpu_certify.lazy_regex import LazyRegex, regex


def every_lazy_pattern() -> list[LazyRegex]:
    """The LazyRegex objects every module of the package holds, at module level or inside its tables."""
    found: dict[int, LazyRegex] = {}

    def walk(value, depth: int) -> None:
        if isinstance(value, LazyRegex):
            found[id(value)] = value
        elif depth < 5 and isinstance(value, (tuple, list, set, frozenset)):
            for item in value:
                walk(item, depth + 1)
        elif depth < 5 and isinstance(value, dict):
            for item in value.values():
                walk(item, depth + 1)
        elif depth < 5 and hasattr(value, "__dataclass_fields__") and not isinstance(value, type):
            for name in value.__dataclass_fields__:
                walk(getattr(value, name), depth + 1)

    for info in pkgutil.walk_packages(wslgpu_certify.__path__, "wslgpu_certify."):
        if not info.name.endswith("__main__"):  # runs the command
            walk(dict(vars(importlib.import_module(info.name))), 0)
    return list(found.values())


def test_every_pattern_of_the_package_compiles():
    patterns = every_lazy_pattern()
    assert len(patterns) >= 300  # the package's module-level patterns (357 when they became lazy)
    bad = []
    for pattern in patterns:
        try:
            pattern.compiled
        except re.error as exc:
            bad.append(f"{pattern.pattern!r}: {exc}")
    assert bad == []


def test_a_bad_pattern_fails_on_first_use_with_res_own_error():
    broken = regex(r"(unclosed")
    with pytest.raises(re.error):
        broken.search("text")


TEXT = "Driver Version: 560.94  CUDA Version: 12.6\nDriver Version: 470.5 CUDA Version: 11.4\n"
CALLS = [("search", (TEXT,)), ("search", (TEXT, 10)), ("match", (TEXT,)), ("fullmatch", ("Driver Version: 1.2",)),
         ("findall", (TEXT,)), ("sub", (r"<\g<version>>", TEXT)), ("subn", ("x", TEXT, 1)), ("split", (TEXT,))]


@pytest.mark.parametrize("name, args", CALLS, ids=[f"{n}{len(a)}" for n, a in CALLS])
def test_it_answers_as_the_compiled_pattern(name, args):
    source, flags = r"Driver Version: (?P<version>[\d.]+)", re.MULTILINE | re.IGNORECASE
    lazy, real = regex(source, flags), re.compile(source, flags)
    got, expected = getattr(lazy, name)(*args), getattr(real, name)(*args)
    if isinstance(expected, re.Match):
        assert (got.span(), got.groups(), got.groupdict()) == (expected.span(), expected.groups(), expected.groupdict())
    else:
        assert got == expected
    assert [m.span() for m in lazy.finditer(TEXT)] == [m.span() for m in real.finditer(TEXT)]
    assert (lazy.pattern, lazy.flags, lazy.groups, dict(lazy.groupindex)) == \
        (real.pattern, real.flags & ~re.UNICODE, real.groups, dict(real.groupindex))


def test_it_compiles_once_and_only_when_used(monkeypatch):
    compiled = []
    real_compile = re.compile
    monkeypatch.setattr(re, "compile", lambda *a: compiled.append(a) or real_compile(*a))
    pattern = regex(r"\d+")
    assert compiled == []
    assert pattern.findall("1 22 333") == ["1", "22", "333"] and pattern.search("x9").group(0) == "9"
    assert compiled == [(r"\d+", 0)]
