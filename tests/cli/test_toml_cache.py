"""The package's TOML files parsed once per edit (toml_cache.py), and the signature catalog checked once per edit.

A file read with `cached=True` is parsed once; later reads give the parsed copy while its bytes stay the same,
an edit (or an edit of a module named in `sources`) makes it again, whatever the time stamps. Nothing is written
without `cached`, under PYTHONDONTWRITEBYTECODE, or where the folder cannot be written; a cache file cut short
or of another format is made again; errors are tomllib's, as they were. The bundled signature catalog loaded
through its cache is the one loaded strictly from its path.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from wslgpu_certify import toml_cache
from wslgpu_certify.signatures import catalog as signature_catalog

from suite_run import REPO


@pytest.fixture
def parses(monkeypatch):
    """Counts tomllib's parses; bytecode (and so the cache) written, in the test's own folder."""
    calls = []
    real = toml_cache.tomllib.loads

    def counting(text, **kwargs):
        calls.append(text)
        return real(text, **kwargs)

    monkeypatch.setattr(toml_cache.tomllib, "loads", counting)
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    monkeypatch.setattr(sys, "pycache_prefix", None)
    return calls


def kept_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*.marshal"))


def test_a_cached_file_is_parsed_once_and_read_back_alike(tmp_path, parses):
    path = tmp_path / "table.toml"
    path.write_text('name = "x"\n[[row]]\nid = 1\nwords = ["a", "b"]\n[[row]]\nid = 2\nnested = { on = true, f = 1.5 }\n')
    first = toml_cache.read_toml(path, cached=True)
    second = toml_cache.read_toml(path, cached=True)
    assert first == second == {"name": "x", "row": [{"id": 1, "words": ["a", "b"]}, {"id": 2, "nested": {"on": True, "f": 1.5}}]}
    assert list(second) == ["name", "row"] and isinstance(second["row"], list)  # order and types as parsed
    assert len(parses) == 1
    assert kept_files(tmp_path) == [f"table.toml.toml.{sys.implementation.cache_tag}.marshal"]
    assert (tmp_path / "__pycache__").is_dir()  # where Python keeps the bytecode of a module beside it


def test_each_read_is_a_fresh_copy(tmp_path, parses):
    path = tmp_path / "t.toml"
    path.write_text('extends = "x"\n')
    toml_cache.read_toml(path, cached=True).pop("extends")  # profile.py pops what it read
    assert toml_cache.read_toml(path, cached=True) == {"extends": "x"}


def test_an_edit_is_parsed_again_whatever_its_time_stamp(tmp_path, parses):
    path = tmp_path / "t.toml"
    path.write_text("a = 1\n")
    stamp = path.stat().st_mtime_ns
    assert toml_cache.read_toml(path, cached=True) == {"a": 1}
    path.write_text("a = 2\n")  # same size, same time stamp
    os.utime(path, ns=(stamp, stamp))
    assert toml_cache.read_toml(path, cached=True) == {"a": 2}
    assert len(parses) == 2


def test_an_edit_of_a_source_makes_the_value_again(tmp_path, parses):
    path, source = tmp_path / "t.toml", tmp_path / "maker.py"
    path.write_text("a = 1\n")
    source.write_text("VERSION = 1\n")
    made = []

    def make(raw):
        made.append(raw)
        return [len(made)]

    assert toml_cache.kept_beside(path, "derived", make, sources=[source]) == [1]
    assert toml_cache.kept_beside(path, "derived", make, sources=[source]) == [1]
    source.write_text("VERSION = 2\n")
    assert toml_cache.kept_beside(path, "derived", make, sources=[source]) == [2]
    assert made == [b"a = 1\n", b"a = 1\n"]  # PATH's bytes, the ones its key is made of


def test_what_is_kept_is_made_from_the_bytes_its_key_names(tmp_path, parses):
    """A file edited while its value is made is never kept under the old bytes' key: make() gets those bytes."""
    path = tmp_path / "t.toml"
    path.write_text("a = 1\n")

    def edited_meanwhile(raw):
        path.write_text("a = 2\n")
        return toml_cache.parse_toml(raw)

    assert toml_cache.kept_beside(path, "toml", edited_meanwhile) == {"a": 1}
    path.write_text("a = 1\n")  # back to the bytes that value was made from
    assert toml_cache.read_toml(path, cached=True) == {"a": 1}
    path.write_text("a = 3\n")
    assert toml_cache.read_toml(path, cached=True) == {"a": 3}


def test_without_cached_nothing_is_written(tmp_path, parses):
    path = tmp_path / "site.toml"
    path.write_text("a = 1\n")
    toml_cache.read_toml(path)
    toml_cache.read_toml(path)
    assert len(parses) == 2 and not (tmp_path / "__pycache__").exists()


def test_dont_write_bytecode_writes_nothing(tmp_path, parses, monkeypatch):
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    path = tmp_path / "t.toml"
    path.write_text("a = 1\n")
    assert toml_cache.read_toml(path, cached=True) == toml_cache.read_toml(path, cached=True) == {"a": 1}
    assert kept_files(tmp_path) == [] and len(parses) == 2


def test_pycache_prefix_is_honoured(tmp_path, parses, monkeypatch):
    prefix = tmp_path / "prefix"
    monkeypatch.setattr(sys, "pycache_prefix", str(prefix))
    (tmp_path / "data").mkdir()
    path = tmp_path / "data" / "t.toml"
    path.write_text("a = 1\n")
    toml_cache.read_toml(path, cached=True)
    assert kept_files(tmp_path / "data") == [] and len(kept_files(prefix)) == 1


def test_a_read_only_install_is_read_as_it_is(tmp_path, parses, monkeypatch):
    def refused(path, content):  # what write_atomically raises in a folder this user cannot write (root can)
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(toml_cache, "write_atomically", refused)
    path = tmp_path / "t.toml"
    path.write_text("a = 1\n")
    assert toml_cache.read_toml(path, cached=True) == toml_cache.read_toml(path, cached=True) == {"a": 1}
    assert kept_files(tmp_path) == [] and len(parses) == 2


def test_a_folder_that_cannot_be_made_is_no_error(tmp_path, parses):
    path = tmp_path / "t.toml"
    path.write_text("a = 1\n")
    (tmp_path / "__pycache__").write_text("a file where the folder would be\n")
    assert toml_cache.read_toml(path, cached=True) == toml_cache.read_toml(path, cached=True) == {"a": 1}
    assert len(parses) == 2


@pytest.mark.parametrize("damage", [lambda b: b[:len(b) // 2], lambda b: b"", lambda b: b"not ours at all",
                                    lambda b: b[:-3] + b"\xff\xff\xff"])
def test_a_damaged_cache_file_is_made_again(tmp_path, parses, damage):
    path = tmp_path / "t.toml"
    path.write_text('a = [1, 2, 3]\nb = "words"\n')
    toml_cache.read_toml(path, cached=True)
    kept = next(tmp_path.rglob("*.marshal"))
    kept.write_bytes(damage(kept.read_bytes()))
    assert toml_cache.read_toml(path, cached=True) == {"a": [1, 2, 3], "b": "words"}
    assert toml_cache.read_toml(path, cached=True) == {"a": [1, 2, 3], "b": "words"}  # written again, whole
    assert len(parses) == 2


def test_a_date_is_read_and_not_kept(tmp_path, parses):
    path = tmp_path / "t.toml"
    path.write_text("when = 2020-11-24\n")
    assert str(toml_cache.read_toml(path, cached=True)["when"]) == "2020-11-24"
    assert kept_files(tmp_path) == []


@pytest.mark.parametrize("content, error", [("a = \n", toml_cache.TOMLDecodeError), (b"a = '\xff'\n", UnicodeDecodeError)])
def test_errors_are_tomllibs_and_nothing_is_kept(tmp_path, parses, content, error):
    path = tmp_path / "bad.toml"
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    with pytest.raises(error):
        toml_cache.read_toml(path, cached=True)
    with pytest.raises(FileNotFoundError):
        toml_cache.read_toml(tmp_path / "absent.toml", cached=True)
    assert kept_files(tmp_path) == []


def test_newlines_are_read_as_read_text_reads_them(tmp_path, parses):
    path = tmp_path / "t.toml"
    path.write_bytes(b'a = """one\r\ntwo"""\r\nb = 1\r\n')
    assert toml_cache.read_toml(path, cached=True) == toml_cache.read_toml(path) == {"a": "one\ntwo", "b": 1}


def test_the_bundled_catalog_through_its_cache_is_the_strict_one(tmp_path):
    """A fresh process reads the bundled catalog cold (parsed and checked, then kept) and again warm (read back):
    both give the signatures that load_catalog(path) checks and compiles now, field for field."""
    script = ("import json, sys\n"
              "from wslgpu_certify.signatures.catalog import CATALOG, load_catalog\n"
              "fields = lambda s: [s.id, s.layer, s.commands, s.patterns, s.cause, s.where, [[x.run, x.shell, x.say] for x in s.fix], s.source, s.confidence, "
              "s.not_patterns, s.exit_codes, s.also, s.engine, s.anchors, s.wsl_only, repr(s.profiles), "
              "[p.pattern for p in s.compiled], [p.pattern for p in s.compiled_not]]\n"
              "lazy = [fields(s) for s in load_catalog()]\n"
              "strict = [fields(s) for s in load_catalog(CATALOG)]\n"
              "print(json.dumps(lazy == strict and len(lazy)))\n")
    env = {**os.environ, "PYTHONPYCACHEPREFIX": str(tmp_path / "prefix"), "PYTHONPATH": str(REPO / "plugins")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    runs = [subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
            for _ in ("cold", "warm")]
    assert [r.returncode for r in runs] == [0, 0], runs[0].stderr[-2000:] + runs[1].stderr[-2000:]
    assert runs[0].stdout == runs[1].stdout and int(runs[0].stdout) >= 90
    kept = [p.name for p in (tmp_path / "prefix").rglob("*.marshal")]
    assert f"known_causes.toml.signatures.{sys.implementation.cache_tag}.marshal" in kept


def test_a_malformed_bundled_entry_is_still_a_one_line_error(tmp_path, monkeypatch, parses):
    """Checked when it is made: a catalog edited into a bad entry raises the same ValueError, cache or not."""
    copy = tmp_path / "known_causes.toml"
    copy.write_text(signature_catalog.CATALOG.read_text(encoding="utf-8").replace('confidence = "high"', 'confidence = "sure"', 1))
    monkeypatch.setattr(signature_catalog, "CATALOG", copy)
    signature_catalog.load_catalog.cache_clear()
    try:
        with pytest.raises(ValueError, match=r"field confidence: 'sure' is not one of high, medium, low"):
            signature_catalog.load_catalog()
        assert kept_files(tmp_path) == []
    finally:
        signature_catalog.load_catalog.cache_clear()
