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
"""

from __future__ import annotations

import json
import re
from pathlib import Path

MAX_HOSTS = 100_000  # a range like ws[0:99999999] is a typo, not a fleet


class ExpectedError(ValueError):
    """The expected-machines file cannot be read: one line saying why."""


def read_expected(path: Path, group: str | None = None) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise ExpectedError(f"cannot read the expected machines {path}: {getattr(error, 'strerror', None) or error}")
    if path.suffix.lower() in (".yml", ".yaml"):
        groups = _yaml_groups(text, path)
    elif text.lstrip()[:1] in ("[", "{") and _json(text) is not None:
        if group:
            raise ExpectedError(f"--group {group}: {path} is a JSON list, which has no groups")
        return _unique(_json_names(_json(text), path))
    else:
        groups = _ini_groups(text, path)
    return _unique(_members(groups, group or "all", path))


def _json(text: str):
    try:
        return json.loads(text)
    except ValueError:
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
        names.append(name)
    return names


# groups: name -> (hosts, child group names)
def _ini_groups(text: str, path: Path) -> dict:
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
            [word] if kind == "children" else expand(word, f"{path}:{number}"))
    return groups


def _yaml_groups(text: str, path: Path) -> dict:
    try:
        import yaml
    except ImportError:
        raise ExpectedError(f"{path}: reading a YAML inventory needs PyYAML (pip install pyyaml)")
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ExpectedError(f"{path}: not YAML ({str(error).splitlines()[0]})")
    if not isinstance(document, dict):
        raise ExpectedError(f"{path}: a YAML inventory is a mapping of groups (all: {{hosts: ...}})")
    groups = {"all": ([], [])}

    def walk(name, body, depth):
        if depth > 50:
            raise ExpectedError(f"{path}: groups nested deeper than 50")
        body = body or {}
        if not isinstance(body, dict):
            raise ExpectedError(f"{path}: group {name} is not a mapping")
        hosts, children = groups.setdefault(name, ([], []))
        for host in body.get("hosts") or {}:
            hosts.extend(expand(str(host), f"{path}: group {name}"))
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


def expand(pattern: str, where: str) -> list[str]:
    """`ws[01:03]` -> ws01, ws02, ws03 (leading zeros kept); `[a:c]`; `[1:9:2]` a step."""
    match = re.search(r"\[([0-9a-zA-Z]+):([0-9a-zA-Z]+)(?::([0-9]+))?\]", pattern)
    if not match:
        return [pattern]
    head, tail = pattern[: match.start()], pattern[match.end():]
    start, end, step = match.group(1), match.group(2), int(match.group(3) or 1)
    if start.isdigit() and end.isdigit():
        width = len(start) if start.startswith("0") else 0
        values = [str(n).zfill(width) for n in _bounded(int(start), int(end), step, where)]
    elif len(start) == len(end) == 1 and start.isalpha() and end.isalpha():
        values = [chr(n) for n in _bounded(ord(start), ord(end), step, where)]
    else:
        raise ExpectedError(f"{where}: bad host range [{match.group(0)[1:-1]}]")
    return [name for value in values for name in expand(head + value + tail, where)]


def _bounded(start: int, end: int, step: int, where: str) -> range:
    if step < 1 or end < start or (end - start) // step + 1 > MAX_HOSTS:
        raise ExpectedError(f"{where}: host range {start}..{end} step {step} is empty or larger than {MAX_HOSTS}")
    return range(start, end + 1, step)


def _unique(names: list[str]) -> list[str]:
    return list(dict.fromkeys(n.strip() for n in names if n.strip()))
