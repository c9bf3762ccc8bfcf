"""Load the known-causes catalog and match pasted command output against it.

Pure and bounded: `match()` reads a string (or bytes) and returns data; it runs no
command and reads no file except the catalog, which is loaded once and cached.

>>> hits = match('docker: Error response from daemon: could not select device driver "" '
...              'with capabilities: [[gpu]].')
>>> hits[0].signature.id
'toolkit.no-gpu-driver-selected'
>>> match("") == match(b"\\x00\\xff\\xfe") == []
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..parsers._text import clean
from .catalog import _WINDOWS, CONFIDENCE, EVIDENCE_LIMIT, LINE_LIMIT, Signature, load_catalog
from .patterns import spells_newline



@dataclass(frozen=True)
class Match:
    signature: Signature
    line: str  # the line the pattern hit, stripped, at most EVIDENCE_LIMIT characters
    pattern: str  # the pattern (as written in the catalog) that hit
    matched: str = ""  # the text the pattern matched

    @property
    def id(self) -> str:
        return self.signature.id


def match(text: str | bytes | None, command: str | None = None, layer: str | None = None,
          exit_code: int | None = None, catalog: tuple[Signature, ...] | None = None,
          engine: str | None = None) -> list[Match]:
    """The catalog signatures this output shows, most specific first, each once.

    `command` (the command line that printed `text`) keeps only signatures written for
    it; None means unknown and applies every signature. `layer` keeps one layer's.
    `exit_code` voids signatures that name other exit codes. Order: confidence (high
    first), then the longer matched text, then catalog order. `catalog` replaces the
    shipped catalog (tests, or a site's own load_catalog(path)). `engine` (the profile's
    docker.engine) voids signatures written for the other engine: "start dockerd" is no fix
    under Docker Desktop, "use Docker Engine instead" none where Desktop is the profile's.
    """
    lowered, original = _prepare(text)
    if not lowered.strip():
        return []
    first_at: dict[str, int] = {}  # literal -> first offset in the text (-1: absent), found once
    hits = []
    signatures = load_catalog() if catalog is None else catalog
    for index in _candidates(signatures, lowered):
        sig = signatures[index]
        if layer is not None and sig.layer != layer:
            continue
        if exit_code is not None and sig.exit_codes and exit_code not in sig.exit_codes:
            continue
        if not sig.applies_to(command) or (engine is not None and sig.engine not in ("", engine)):
            continue
        best = None
        for source, pattern, anchor in zip(sig.patterns, sig.compiled, sig.anchors):
            found = _search(pattern, anchor, lowered, spells_newline(source), first_at)
            if found and (best is None or len(found.group(0)) > len(best[1].group(0))):
                best = (source, found)
        if best is None or any(p.search(lowered) for p in sig.compiled_not):
            continue
        source, found = best
        line = _line_at(original, lowered, found.start())
        hits.append((CONFIDENCE.index(sig.confidence), -len(found.group(0)), index,
                     Match(sig, line, source, found.group(0).strip()[:EVIDENCE_LIMIT])))
    return [hit[-1] for hit in sorted(hits, key=lambda hit: hit[:3])]


_WORD_INDEXES: dict[int, tuple] = {}  # id(catalog) -> (catalog, {word: positions}, positions needing no word)


def _candidates(catalog: tuple[Signature, ...], text: str) -> list[int]:
    """The positions of the signatures that may match TEXT, in catalog order: those with a pattern whose literal
    words (anchors.py) the text holds, or with a pattern that needs none. One `in` per distinct word, instead of
    one visit per pattern: most signatures never reach their patterns (a passing check's output is read too)."""
    known = _WORD_INDEXES.get(id(catalog))
    if known is None or known[0] is not catalog:
        by_word: dict[str, list[int]] = {}
        always = set()
        for position, sig in enumerate(catalog):
            if len(sig.anchors) != len(sig.patterns):  # built by hand, without words: always searched
                always.add(position)
            for words in sig.anchors:
                if not words:
                    always.add(position)
                for word in words:
                    by_word.setdefault(word, []).append(position)
        if len(_WORD_INDEXES) > 8:  # a test's own catalogs come and go; the bundled one stays the same object
            _WORD_INDEXES.clear()
        known = _WORD_INDEXES[id(catalog)] = (catalog, by_word, frozenset(always))
    _, by_word, always = known
    found = set(always)
    for word, positions in by_word.items():
        if word in text:
            found.update(positions)
    return sorted(found)


def _search(pattern: re.Pattern, anchor: tuple[str, ...], text: str, multiline: bool, first_at: dict):
    """pattern.search(text), looking only at the lines that hold the pattern's literal words.

    A pattern matches within one line unless it spells a newline (\\n); such a pattern
    is searched over the whole text, once its words are known to be there. `first_at`
    caches each literal's first offset for this text (patterns share literals).
    """
    if not anchor:
        return pattern.search(text)
    for word in anchor:
        if word not in first_at:
            first_at[word] = text.find(word)
    anchor = tuple(word for word in anchor if first_at[word] != -1)
    firsts = [first_at[word] for word in anchor]
    if not firsts:
        return None
    if multiline:  # the match may start lines above its literal words
        return pattern.search(text)
    starts: set[int] = set()
    for word in anchor:
        at = text.find(word)
        while at != -1:
            if len(starts) > _WINDOWS:  # the words are everywhere: one pass over the text is cheaper
                return pattern.search(text, text.rfind("\n", 0, min(firsts)) + 1)
            starts.add(text.rfind("\n", 0, at) + 1)
            end = text.find("\n", at)
            at = text.find(word, end) if end != -1 else -1
    for start in sorted(starts):
        end = text.find("\n", start)
        found = pattern.search(text, start, end if end != -1 else len(text))
        if found:
            return found
    return None


def _prepare(text: str | bytes | None) -> tuple[str, str]:
    """(lower-cased text, original text), both cleaned and with every line cut to LINE_LIMIT."""
    cleaned = clean(text)
    if len(cleaned) > LINE_LIMIT:
        lines = cleaned.split("\n")
        if max(map(len, lines)) > LINE_LIMIT:
            cleaned = "\n".join(line[:LINE_LIMIT] for line in lines)
    return cleaned.lower(), cleaned


def _line_at(original: str, lowered: str, offset: int) -> str:
    """The original line holding `offset` of the lowered text (lowering keeps the newlines)."""
    if len(original) == len(lowered):  # lowering kept every offset (the usual case)
        start = original.rfind("\n", 0, offset) + 1
    else:  # a character lowered to several (e.g. U+0130): count lines instead
        start = 0
        for _ in range(lowered.count("\n", 0, offset)):
            start = original.index("\n", start) + 1
    end = original.find("\n", start)
    return original[start:end if end != -1 else None].strip()[:EVIDENCE_LIMIT]
