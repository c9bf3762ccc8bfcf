"""Damaged outputs the parser tests feed every parser: what a real command never prints."""

import random

# 2 KB of seeded random bytes, decoded as a runner would (UTF-8, replacement characters).
RANDOM_TEXT = bytes(random.Random(7).randrange(256) for _ in range(2048)).decode("utf-8", errors="replace")
# Every byte value, three times over, decoded as Latin-1 (no replacement characters at all).
BYTE_SOUP = bytes(range(256)).decode("latin-1") * 3


def half(text: str) -> str:
    """The first half of an output: a transfer or a paste cut short."""
    return text[: len(text) // 2]
