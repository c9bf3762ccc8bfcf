"""Known causes: real-world failure signatures as data, and a pure matcher over them.

`known_causes.toml` holds one `[[signature]]` per known failure: the stable words of
an error as it is printed, the cause those words point at, the fix steps, and the
public thread it was learned from. `matcher.match(text)` returns the signatures a
pasted output shows, most specific first. See docs/signatures.md.
"""

from .catalog import Signature, Step, load_catalog
from .matcher import Match, match

__all__ = ["Match", "Signature", "Step", "load_catalog", "match"]
