"""The garbage collector during a run: what was built before the checks is not scanned again.

By the end of collection the heap holds pytest, the plugins (pytest-html's jinja2 templates), the
catalogs, the parsers and every test item: long-lived objects that every later collection of
the oldest generation walks again, and pytest's unraisable-exception check ends each session
with five full collections (under plain pytest: the command leaves that plugin unloaded). On a
replay that was about 0.4 CPU-s of 1.0 (bench/startup_bench.py).
`gc.freeze()` at the end of collection moves them out of the collector's way (CPython's
documented use: https://docs.python.org/3/library/gc.html#gc.freeze); what the checks allocate
is collected as usual.

Before that, while the command starts (imports, catalogs, collection: nearly all of it objects that live as
long as the run), the collector is paused altogether: its passes over a heap that only grows found nothing to
free and cost a replay of the healthy machine about 11 ms of 350 (bench/startup_bench.py). It runs again from
the end of collection, or as soon as the run ends before that.

Frozen objects are never freed, which in a one-shot run costs nothing; a process that runs
pytest.main again (the fault matrix, many machines replayed in one process) unfreezes and
collects the earlier run's objects when the next run starts.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_PAUSED_FOR_START = False


@contextmanager
def paused_while_starting() -> Iterator[None]:
    """The command's run: no collection until freeze_long_lived (the end of collection); on as before after it."""
    global _PAUSED_FOR_START
    _PAUSED_FOR_START = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        _resume()


def _resume() -> None:
    global _PAUSED_FOR_START
    if _PAUSED_FOR_START:
        _PAUSED_FOR_START = False
        gc.enable()


def release_earlier_runs() -> None:
    """At configure: an earlier run in this process froze its objects; let them go now."""
    if gc.get_freeze_count():
        gc.unfreeze()
        gc.collect()


def freeze_long_lived() -> None:
    """After collection: everything built so far lives until the run ends; stop scanning it (and scan again what
    the checks allocate, if the command paused the collector)."""
    gc.freeze()
    _resume()
