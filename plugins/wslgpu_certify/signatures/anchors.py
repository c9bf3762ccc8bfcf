"""The literal words a signature's pattern needs: a fast `word in text` scan skips the patterns whose words are absent.

Only the regex engine's own parse is read (catalog.py compiles the patterns); any doubt gives () (always search).
"""

from __future__ import annotations

try:
    from re import _parser as _sre_parse
except ImportError:  # pragma: no cover - Python < 3.11
    import sre_parse as _sre_parse


def anchor(pattern: str) -> tuple[str, ...]:
    """Literal words every match of `pattern` contains: at least one of the returned ones.

    `word in text` is a fast scan, so a pattern whose words are absent costs almost
    nothing. Only the regex engine's own parse is read; any doubt gives () (always search).
    """
    try:
        needs = _requirements(_sre_parse.parse(pattern))
    except Exception:  # an unexpected parse shape only costs speed, never a match
        return ()
    needs = [need for need in needs if min(map(len, need)) >= 3]
    return max(needs, key=lambda need: min(map(len, need))) if needs else ()


def _requirements(items) -> list[tuple[str, ...]]:
    """Each entry: alternatives of which a match must contain one."""
    needs, current = [], []

    def flush():
        if current:
            needs.append(("".join(current),))
            current.clear()

    for op, arg in items:
        name = str(op)
        if name == "LITERAL":
            current.append(chr(arg))
            continue
        flush()
        if name == "SUBPATTERN":
            needs.extend(_requirements(arg[-1]))
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT") and arg[0] >= 1:
            needs.extend(_requirements(arg[2]))
        elif name == "ATOMIC_GROUP":
            needs.extend(_requirements(arg))
        elif name == "ASSERT" and arg[0] == 1:  # a positive lookahead's text is in the input too
            needs.extend(_requirements(arg[1]))
        elif name == "BRANCH":
            best = []
            for branch in arg[1]:
                options = [need for need in _requirements(branch) if len(need) == 1]
                if not options:
                    best = []
                    break
                best.append(max(options, key=lambda need: len(need[0]))[0])
            if best:
                needs.append(tuple(best))
        # IN, ANY, AT, ASSERT_NOT, ...: nothing certainly required
    flush()
    return needs
