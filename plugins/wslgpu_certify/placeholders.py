"""`{name}` placeholders in catalog text and probe commands.

Only `{identifier}` is a placeholder; shell `${VAR}`, Go templates `{{json .}}` and
JSON stay as written, which `str.format` would not allow.
"""

import re

PLACEHOLDER = re.compile(r"(?<![{$])\{([A-Za-z_][A-Za-z0-9_]*)\}(?!\})")


def fill(text: str, values: dict) -> str:
    """Fill the placeholders we know and keep the others for a later pass.

    >>> fill("usermod -aG docker {user} # {later} ${HOME} {{json .}}", {"user": "ana"})
    'usermod -aG docker ana # {later} ${HOME} {{json .}}'
    """
    return PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), m.group(0))), text)
