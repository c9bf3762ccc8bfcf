"""PyYAML's safe loader, bounded for an inventory: a few aliases, and a document that stays small once they are expanded.

YAML aliases (`*name`) repeat an anchored node without repeating its text, so 1 KB of nested
anchors can stand for 10^9 nodes ("billion laughs"), and `&a [*a]` for an endless one. PyYAML
composes an alias as a shared reference (cheap), but whoever walks the document walks every
repeat. So the loader counts aliases as it composes (at most MAX_ALIASES), then, before any value
is constructed, sizes the composed graph as if its aliases were expanded (each node counted
once per place it is reached, shared nodes memoised) and refuses one beyond MAX_YAML_NODES or
one that contains itself. Imported only for a YAML inventory (PyYAML is optional).
"""

from __future__ import annotations

import yaml

MAX_ALIASES = 100  # YAML aliases (*name) in one inventory: anchors share variables, not hosts by the thousand
MAX_YAML_NODES = 1_000_000  # nodes the document stands for, aliases expanded (100,000 hosts and their variables)


class TooMuchYaml(ValueError):
    """An inventory beyond the loader's bounds: one line."""


class BoundedLoader(yaml.SafeLoader):
    def __init__(self, stream):
        super().__init__(stream)
        self.aliases = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                raise TooMuchYaml(f"more than {MAX_ALIASES} YAML aliases (*name): refused, an inventory needs few")
        return super().compose_node(parent, index)

    def compose_document(self):
        node = super().compose_document()
        expanded_size(node)
        return node


def expanded_size(root) -> int:
    """How many nodes `root` stands for with every alias expanded; TooMuchYaml beyond MAX_YAML_NODES or on a cycle."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()

    def size(node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in open_nodes:
            raise TooMuchYaml("a YAML alias refers to a node that contains it: refused")
        open_nodes.add(key)
        total = 1
        if isinstance(node, yaml.SequenceNode):
            total += sum(size(child) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            total += sum(size(k) + size(v) for k, v in node.value)
        open_nodes.discard(key)
        if total > MAX_YAML_NODES:
            raise TooMuchYaml(f"its YAML aliases expand to more than {MAX_YAML_NODES:,} nodes: refused")
        sizes[key] = total
        return total

    return size(root)
