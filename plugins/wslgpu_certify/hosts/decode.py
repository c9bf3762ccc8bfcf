"""Turn a command's raw bytes into text, whatever Windows or Linux wrote.

`wsl.exe` writes UTF-16LE (with no BOM unless WSL_UTF8=1 is set), PowerShell may
write a BOM, `cmd.exe` writes CRLF: every probe reads text decoded here, once.
"""

import codecs

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def _looks_like_utf16le(raw: bytes) -> bool:
    """ASCII text in UTF-16LE has a NUL in nearly every odd byte."""
    if len(raw) < 4:
        return len(raw) == 2 and raw[1] == 0 and raw[0] != 0
    odd = raw[1::2]
    return odd.count(0) >= 0.4 * len(odd) and raw[0::2].count(0) < 0.1 * len(odd)


def decode_output(raw: bytes | str | None) -> str:
    """Decode UTF-8 / UTF-16LE (BOM or not) output, normalise line ends, drop NULs."""
    if raw is None:
        return ""
    if isinstance(raw, str):
        text = raw
    else:
        for bom, encoding in _BOMS:
            if raw.startswith(bom):
                text = raw[len(bom):].decode(encoding, errors="replace")
                break
        else:
            encoding = "utf-16-le" if _looks_like_utf16le(raw) else "utf-8"
            if encoding == "utf-16-le" and len(raw) % 2:
                raw = raw + b"\x00"
            text = raw.decode(encoding, errors="replace")
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
