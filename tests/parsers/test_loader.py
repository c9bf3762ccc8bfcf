"""Tests for parsers.loader: `ls -l /usr/lib/wsl/lib` and ldconfig's warnings."""

import pytest

from damage import BYTE_SOUP, half

from wslgpu_certify.parsers.errors import UnreadableOutput
from wslgpu_certify.parsers.loader import LdconfigWarning, parse_ldconfig_warnings, parse_ls_wsl_lib

GARBAGE = BYTE_SOUP



def test_ls_long_corpus_regular_file_copies(corpus_text):
    listing = parse_ls_wsl_lib(corpus_text("nvidia-smi__ls-usr-lib-wsl-lib-healthy-listing.txt"))
    assert listing.present and listing.has_libcuda and listing.has_unversioned_libcuda
    assert listing.libcuda_copies == ("libcuda.so", "libcuda.so.1", "libcuda.so.1.1")
    assert listing.libcuda_symlinks == ()
    assert listing.entry("libdxcore.so").size == 942048


def test_ls_plain_corpus_without_libcuda(corpus_text):
    listing = parse_ls_wsl_lib(corpus_text("nvidia-smi__ls-usr-lib-wsl-lib-no-libcuda-egpu.txt"))
    assert listing.present and not listing.has_libcuda and not listing.has_unversioned_libcuda
    assert listing.entry("libdxcore.so").kind is None


# `ls -la /usr/lib/wsl/lib/libcuda*` prints paths (https://github.com/microsoft/WSL/issues/8587).
LS_PATHS = """\
-r-xr-xr-x 1 root root 141464 Jun 24 05:05 /usr/lib/wsl/lib/libcuda.so
-r-xr-xr-x 1 root root 141464 Jun 24 05:05 /usr/lib/wsl/lib/libcuda.so.1
-r-xr-xr-x 1 root root 141464 Jun 24 05:05 /usr/lib/wsl/lib/libcuda.so.1.1
"""

# After the by-hand "fix" of https://github.com/microsoft/WSL/issues/5663 (ln -s libcuda.so.1.1 libcuda.so.1 ...).
LS_SYMLINKED = """\
total 8
lrwxrwxrwx 1 root root     12 Jan  7  2025 libcuda.so -> libcuda.so.1
lrwxrwxrwx 1 root root     14 Jan  7  2025 libcuda.so.1 -> libcuda.so.1.1
-r-xr-xr-x 1 root root 162552 May 23 17:27 libcuda.so.1.1
"""


def test_ls_paths_read_as_names():
    assert parse_ls_wsl_lib(LS_PATHS).libcuda_copies == ("libcuda.so", "libcuda.so.1", "libcuda.so.1.1")


def test_ls_symlinked_by_hand():
    listing = parse_ls_wsl_lib(LS_SYMLINKED.replace("\n", "\r\n"))
    assert listing.libcuda_symlinks == ("libcuda.so", "libcuda.so.1")
    assert listing.entry("libcuda.so.1").target == "libcuda.so.1.1"
    assert listing.libcuda_copies == ("libcuda.so.1.1",)


def test_ls_directory_absent():
    listing = parse_ls_wsl_lib("ls: cannot access '/usr/lib/wsl/lib': No such file or directory\n")
    assert not listing.present and listing.entries == () and not listing.has_libcuda


@pytest.mark.parametrize(
    "text",
    [
        LS_SYMLINKED[: LS_SYMLINKED.index("libcuda.so.1 ->") - 20],  # cut inside a long line
        "total 0\n",
        "",
        GARBAGE,
    ],
)
def test_ls_refuses(text):
    with pytest.raises(UnreadableOutput):
        parse_ls_wsl_lib(text)


def test_ls_refuses_half_of_corpus_listing(corpus_text):
    text = corpus_text("nvidia-smi__ls-usr-lib-wsl-lib-healthy-listing.txt")
    cut = half(text)
    assert not cut.endswith("\n")  # lands inside a line, as a cut capture does
    with pytest.raises(UnreadableOutput):
        parse_ls_wsl_lib(cut)


@pytest.mark.parametrize(
    "name",
    [
        "ldconfig__ldconfig-real-libcuda-not-a-symbolic-link-ubuntu-24.04.txt",
        "ldconfig__libcuda-so-1-is-not-a-symbolic-link-archwsl.txt",
    ],
)
def test_ldconfig_not_a_symlink_corpus(corpus_text, name):
    assert parse_ldconfig_warnings(corpus_text(name)) == (LdconfigWarning("not-a-symlink", "/usr/lib/wsl/lib/libcuda.so.1"),)


def test_ldconfig_silence_is_healthy():
    assert parse_ldconfig_warnings("") == ()


def test_ldconfig_mixed_messages():
    text = (
        "/sbin/ldconfig.real: Can't stat /usr/local/lib/x86_64-linux-gnu: No such file or directory\n"
        "/sbin/ldconfig.real: /usr/lib/wsl/lib/libcuda.so.1 is not a symbolic link\n\n"
        "/sbin/ldconfig.real: File /usr/lib/wsl/lib/libcuda.so is empty, not checked.\n"
    )
    assert [w.kind for w in parse_ldconfig_warnings(text)] == ["cant-stat", "not-a-symlink", "empty-file"]


@pytest.mark.parametrize(
    "text",
    [
        "/sbin/ldconfig.real: /usr/lib/wsl/lib/libcuda.so.1 is not a sym",
        "/sbin/ldconfig.real: /usr/lib/w",
        GARBAGE,
        "Processing triggers for libc-bin (2.35-0ubuntu3.8) ...\n",
    ],
)
def test_ldconfig_refuses(text):
    with pytest.raises(UnreadableOutput):
        parse_ldconfig_warnings(text)
