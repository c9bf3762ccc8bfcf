"""The container layers' check modules ask for the slow-step prefetch, and no other module does.

`_prefetch_slow_container_steps` (containers/fixtures.py) starts the slow container steps as the first
container-layer check is set up. It is asked for with a `pytestmark` usefixtures in those modules rather than
autouse (a function-scoped fixture taking `request` cost every one of the 77 checks of a replay its setup);
this keeps the marks and CONTAINER_LAYERS alike, so a new container check module cannot lose its prefetch.
"""

from __future__ import annotations

import sys

import pytest

from wslgpu_certify.catalog import load_checks
from wslgpu_certify.containers.fixtures import CONTAINER_LAYERS

FIXTURE = "_prefetch_slow_container_steps"


def _modules() -> dict[str, set[str]]:
    layers: dict[str, set[str]] = {}
    for spec in load_checks().values():
        layers.setdefault(spec.func.__module__, set()).add(spec.layer)
    return layers


def _asks_for_the_prefetch(module_name: str) -> bool:
    marks = getattr(sys.modules[module_name], "pytestmark", [])
    marks = marks if isinstance(marks, list) else [marks]
    return any(mark.name == "usefixtures" and FIXTURE in mark.args for mark in marks)


@pytest.mark.parametrize("module_name", sorted(_modules()))
def test_a_module_asks_for_the_prefetch_exactly_when_its_checks_are_container_layers(module_name):
    layers = _modules()[module_name]
    assert layers <= set(CONTAINER_LAYERS) or not layers & set(CONTAINER_LAYERS), f"{module_name} mixes layers {layers}"
    assert _asks_for_the_prefetch(module_name) == bool(layers & set(CONTAINER_LAYERS)), (module_name, layers)


def test_every_container_layer_has_a_module():
    covered = {layer for layers in _modules().values() for layer in layers}
    assert set(CONTAINER_LAYERS) <= covered
