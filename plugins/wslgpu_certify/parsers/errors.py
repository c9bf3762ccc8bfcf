"""The one error every parser raises when it cannot read a command's output."""


class UnreadableOutput(ValueError):
    """Output that a parser could not read; carries a short raw excerpt as evidence."""

    def __init__(self, what: str, text: str, limit: int = 400):
        self.what = what
        self.excerpt = (text or "").strip()[:limit]
        super().__init__(f"could not read {what}: {self.excerpt[:120]!r}")
