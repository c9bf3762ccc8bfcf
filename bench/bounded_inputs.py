"""Peak memory of the suite on small hostile inputs: PNG zlib bombs and live commands flooding stdout.

    python bench/bounded_inputs.py

Then the redactor (redact.py) on 1 MB of each hostile shape (many PEM BEGINs without END, long
scheme runs, repeated `docker login`/`curl`, pipes before --password-stdin...): seconds per MB,
which must stay linear (an 8 MB output is the most a command can hand it).

Each case runs in a fresh Python process (so its peak RSS is its own) and prints the input's size,
what the suite made of it (a one-line reason, or the captured length) and the process's peak RSS
(ru_maxrss) beside a baseline process that only imports the same modules. The issue this answers
(issue 20, class 4) measured 1.4-3.2 GB for a PNG bomb and 4.3 GB for a 5 s flood before the bounds.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

PRELUDE = textwrap.dedent("""
    import resource, struct, sys, time, zlib
    sys.path[:0] = [%r, %r]
    from wslgpu_certify.images import read_png
    from wslgpu_certify.hosts.executors import local_shell
    from wslgpu_certify.parsers.errors import UnreadableOutput
    from test_images import _chunk

    def png(width, height, raw, colour_type=6):
        ihdr = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
        return (b"\\x89PNG\\r\\n\\x1a\\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", raw) + _chunk(b"IEND", b""))

    def bomb(size):  # `size` zero bytes deflated: about 1000:1
        z = zlib.compressobj(9)
        return b"".join(z.compress(bytes(2**20)) for _ in range(size // 2**20)) + z.flush()

    def png_case(data):
        try:
            image = read_png(data)
            outcome = f"decoded {image.width}x{image.height}"
        except UnreadableOutput as exc:
            outcome = exc.what
        return len(data), outcome

    def flood_case(command):
        started = time.monotonic()
        record = local_shell()(command, timeout=5)
        return len(command), (f"stdout {len(record.stdout)} chars, cut_at {record.cut_at}, "
                              f"{time.monotonic() - started:.2f} s")
""") % (str(REPO / "plugins"), str(REPO / "tests" / "checks"))

CASES = {
    "baseline (imports only)": "0, 'nothing'",
    "PNG 100000x100000 declared": "png_case(png(100000, 100000, zlib.compress(b'')))",
    "PNG 2000x2000 with 3 GB of IDAT": "png_case(png(2000, 2000, bomb(3 * 2**30)))",
    "PNG 512x512 with 1 GB of IDAT": "png_case(png(512, 512, bomb(2**30)))",
    "PNG 4096x4096 RGBA, honest zeros": "png_case(png(4096, 4096, zlib.compress(bytes(4096 * (4096 * 4 + 1)))))",
    "flood: yes": "flood_case('yes')",
    "flood: cat /dev/zero | tr": "flood_case(\"cat /dev/zero | tr '\\\\0' x\")",
    "flood: python, no newline": "flood_case('python3 -c \"import sys\\nwhile True: sys.stdout.write(64 * 1024 * chr(97))\"')",
}


def main() -> None:
    print(f"{'case':40} {'input':>11}  {'peak RSS':>9}  outcome")
    for name, expression in CASES.items():
        code = PRELUDE + textwrap.dedent(f"""
            size, outcome = {expression}
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"{{size}}\\t{{peak:.0f}}\\t{{outcome}}")
        """)
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
        if proc.returncode:
            print(f"{name:40} FAILED: {proc.stderr.strip().splitlines()[-1:]}")
            continue
        size, peak, outcome = proc.stdout.strip().split("\t", 2)
        print(f"{name:40} {int(size):>9} B  {float(peak):>6.0f} MB  {outcome}")


REDACTOR_CASES = {
    "y lines (no trigger)": lambda mb: "y\n" * (mb // 2),
    "words with every trigger": lambda mb: "hello foo_bar KEY token http://x:y@z Authorization: Bearer q\n" * (mb // 60),
    "PEM BEGIN without END": lambda mb: "-----BEGIN PRIVATE KEY-----\n" * (mb // 28),
    "a.a.a... then ://": lambda mb: "a." * (mb // 2) + "://",
    "docker login repeated": lambda mb: "docker login " * (mb // 13) + "\n--password-stdin",
    "echo a|a|a... --password-stdin": lambda mb: ("echo " + "a|" * 300 + " --password-stdin\n") * (mb // 620),
    "curl repeated": lambda mb: "curl " * (mb // 5),
    "token%3D repeated": lambda mb: "token%3D" * (mb // 8),
}


def redactor() -> None:
    import time

    sys.path.insert(0, str(REPO / "plugins"))
    from wslgpu_certify.redact import Redactor

    print(f"\n{'redactor on 1 MB of':40} {'seconds':>9}")
    for name, make in REDACTOR_CASES.items():
        text = make(2**20)
        started = time.perf_counter()
        Redactor()(text)
        print(f"{name:40} {time.perf_counter() - started:>9.2f}")


if __name__ == "__main__":
    main()
    redactor()
