"""The machines the fleet expects tonight: a text list, the CI matrix's JSON list, or an Ansible inventory.

- JSON: `["ws-01", ...]`, `[{"machine": "ws-01", "labels": [...]}, ...]` (the matrix the GitHub
  template reads from `vars.FLEET`), or `{"include": [...]}`; an object's name is its `machine`,
  `name` or `id`.
- YAML inventory (`.yml`/`.yaml`): `all: {hosts: {h: ...}, children: {group: {hosts: ...}}}`.
- Anything else: INI inventory rules, of which a plain list of names is the simplest case: one
  host per line (its first word), `[group]` and `[group:children]` sections, `[group:vars]`
  skipped, `#`/`;` comments, ranges `ws[01:20]` / `[a:c]` / `[1:9:2]`.
Ansible's rules: https://docs.ansible.com/ansible/latest/inventory_guide/intro_inventory.html
With `group`, only that group's hosts (its children's included).

Bounded (issue 20, class 10): the file is at most MAX_BYTES; MAX_HOSTS is a total over the whole
inventory, each range's size known before a name is made (`ws[00000:99999][00000:99999]` is
refused at once, not after 10^10 names); a YAML inventory is read by bounded_yaml.py (few aliases,
a bounded size once they are expanded: no "billion laughs"); nesting too deep for the parser is
refused. Each is one line.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from pathlib import Path

from .untrusted import MAX_DEPTH, Unusable, clean_tree, read_capped
from ..lazy_regex import regex

MAX_HOSTS = 100_000  # in all: a range like ws[0:99999999] is a typo, not a fleet
MAX_BYTES = 8 * 2**20  # an inventory of 100,000 hosts with a few variables each
RANGE = regex(r"\[([0-9a-zA-Z]+):([0-9a-zA-Z]+)(?::([0-9]+))?\]")


class ExpectedError(ValueError):
    """The expected-machines file cannot be read: one line saying why."""


def read_expected(path: Path, group: str | None = None) -> list[str]:
    try:
        text = read_capped(path, MAX_BYTES).decode("utf-8-sig")
    except (OSError, UnicodeDecodeError, Unusable) as error:
        raise ExpectedError(f"cannot read the expected machines {path}: {getattr(error, 'strerror', None) or error}")
    budget = [MAX_HOSTS]  # names left to make, over the whole inventory
    if path.suffix.lower() in (".yml", ".yaml"):
        groups = _yaml_groups(text, path, budget)
    elif text.lstrip()[:1] in ("[", "{") and _json(text) is not None:
        if group:
            raise ExpectedError(f"--group {group}: {path} is a JSON list, which has no groups")
        names = _json_names(_json(text), path)
        if len(names) > MAX_HOSTS:
            raise ExpectedError(f"{path}: {len(names):,} machines, more than {MAX_HOSTS:,}")
        return _unique(names)
    else:
        groups = _ini_groups(text, path, budget)
    return _unique(_members(groups, group or "all", path))


def _json(text: str):
    try:
        return clean_tree(json.loads(text))
    except (ValueError, RecursionError):  # Unusable (too deep) is a ValueError
        return None


def _json_names(document, path: Path) -> list[str]:
    if isinstance(document, dict):
        document = document.get("include", document.get("machine"))
    if not isinstance(document, list):
        raise ExpectedError(f"{path}: a JSON list of machines (or {{\"include\": [...]}}) was expected")
    names = []
    for entry in document:
        name = entry if isinstance(entry, str) else next(
            (entry[k] for k in ("machine", "name", "id") if isinstance(entry, dict) and isinstance(entry.get(k), str)), None)
        if not name:
            raise ExpectedError(f"{path}: entry {json.dumps(entry)[:80]} names no machine (machine, name or id)")
        if len(name) > 253:
            raise ExpectedError(f"{path}: machine name {name[:40]!r}... is longer than a host name can be")
        names.append(name)
    return names


# groups: name -> (hosts, child group names)
def _ini_groups(text: str, path: Path, budget: list[int]) -> dict:
    groups = {"all": ([], []), "ungrouped": ([], [])}
    section, kind = "ungrouped", "hosts"
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line[0] in "#;":
            continue
        header = re.fullmatch(r"\[([^\]:]+)(?::(\w+))?\]", line)
        if header:
            section, kind = header.group(1), header.group(2) or "hosts"
            if kind not in ("hosts", "children", "vars"):
                raise ExpectedError(f"{path}:{number}: unknown section kind :{kind}")
            groups.setdefault(section, ([], []))
            continue
        if kind == "vars":
            continue
        word = line.split()[0]
        (groups[section][1] if kind == "children" else groups[section][0]).extend(
            [word] if kind == "children" else expand(word, f"{path}:{number}", budget))
    return groups


def _yaml_groups(text: str, path: Path, budget: list[int]) -> dict:
    try:
        import yaml
    except ImportError:
        raise ExpectedError(f"{path}: reading a YAML inventory needs PyYAML (pip install pyyaml)")
    from .bounded_yaml import BoundedLoader, TooMuchYaml

    loader = BoundedLoader(text)
    try:
        document = loader.get_single_data()
    except TooMuchYaml as error:
        raise ExpectedError(f"{path}: {error}")
    except yaml.YAMLError as error:
        raise ExpectedError(f"{path}: not YAML ({str(error).splitlines()[0]})")
    except RecursionError:
        raise ExpectedError(f"{path}: nested too deep to read")
    finally:
        loader.dispose()
    if not isinstance(document, dict):
        raise ExpectedError(f"{path}: a YAML inventory is a mapping of groups (all: {{hosts: ...}})")
    groups = {"all": ([], [])}
    walked = set()

    def walk(name, body, depth):
        if depth > min(50, MAX_DEPTH):
            raise ExpectedError(f"{path}: groups nested deeper than 50")
        body = body or {}
        if not isinstance(body, dict):
            raise ExpectedError(f"{path}: group {name} is not a mapping")
        hosts, children = groups.setdefault(name, ([], []))
        if (name, id(body)) in walked:  # one group listed under several parents (or one anchor, aliased): read once
            return
        walked.add((name, id(body)))
        for key in ("hosts", "children"):
            if not isinstance(body.get(key) or {}, dict):
                raise ExpectedError(f"{path}: group {name}'s {key} is not a mapping")
        for host in body.get("hosts") or {}:
            hosts.extend(expand(str(host), f"{path}: group {name}", budget))
        for child, child_body in (body.get("children") or {}).items():
            children.append(str(child))
            walk(str(child), child_body, depth + 1)

    for name, body in document.items():
        walk(str(name), body, 0)
    return groups


def _members(groups: dict, group: str, path: Path) -> list[str]:
    if group not in groups:
        raise ExpectedError(f"--group {group}: {path} has no such group (it has {', '.join(sorted(groups))})")
    if group == "all":  # every host of every group, as Ansible's `all`
        return [h for hosts, _ in groups.values() for h in hosts]
    found, seen, todo = [], set(), [group]
    while todo:
        name = todo.pop()
        if name in seen or name not in groups:
            continue
        seen.add(name)
        found.extend(groups[name][0])
        todo.extend(groups[name][1])
    return found


def expand(pattern: str, where: str, budget: list[int] | None = None) -> list[str]:
    """`ws[01:03]` -> ws01, ws02, ws03 (leading zeros kept); `[a:c]`; `[1:9:2]` a step; several ranges multiply.

    `budget` ([names left]) is shared by a whole inventory: the count is known before a name is made."""
    budget = budget if budget is not None else [MAX_HOSTS]
    parts, ranges = [], []
    last = 0
    for match in RANGE.finditer(pattern):
        parts.append(pattern[last: match.start()])
        ranges.append(_values(match, where))
        last = match.end()
    parts.append(pattern[last:])
    count = math.prod(len(values) for values in ranges)
    if count > budget[0]:
        raise ExpectedError(f"{where}: {pattern[:80]} makes {count:,} host names after {MAX_HOSTS - budget[0]:,}: "
                            f"more than the {MAX_HOSTS:,} an inventory may name")
    budget[0] -= count
    if not ranges:
        return [pattern]
    return ["".join(itertools.chain.from_iterable(itertools.zip_longest(parts, chosen, fillvalue="")))
            for chosen in itertools.product(*ranges)]


def _values(match: re.Match, where: str):
    """One range's values, lazily (a range object, mapped): its len() is known before any is made."""
    start, end, step = match.group(1), match.group(2), int(match.group(3) or 1)
    if start.isdigit() and end.isdigit():
        width = len(start) if start.startswith("0") else 0
        return _Mapped(_bounded(int(start), int(end), step, where), lambda n: str(n).zfill(width))
    if len(start) == len(end) == 1 and start.isalpha() and end.isalpha():
        return _Mapped(_bounded(ord(start), ord(end), step, where), chr)
    raise ExpectedError(f"{where}: bad host range [{match.group(0)[1:-1]}]")


class _Mapped:
    def __init__(self, numbers: range, show):
        self.numbers, self.show = numbers, show

    def __len__(self):
        return len(self.numbers)

    def __iter__(self):
        return map(self.show, self.numbers)


def _bounded(start: int, end: int, step: int, where: str) -> range:
    if step < 1 or end < start or (end - start) // step + 1 > MAX_HOSTS:
        raise ExpectedError(f"{where}: host range {start}..{end} step {step} is empty or larger than {MAX_HOSTS}")
    return range(start, end + 1, step)


def _unique(names: list[str]) -> list[str]:
    return list(dict.fromkeys(n.strip() for n in names if n.strip()))
