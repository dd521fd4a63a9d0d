"""Link codes: short, case-insensitive, no look-alike characters, unguessable.

31 symbols (digits 2-9 and letters without I, L and O) and 10 of them drawn from the
operating system's CSPRNG give 31**10 ≈ 8·10**14 codes (≈ 49.5 bits): with a million links,
a guess hits one with a chance near 1 in 800 million, and the public page is rate-limited.
"""

from __future__ import annotations

import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 10
# Read from people: spaces and dashes ("ABCDE-FGHJK") are ignored, case does not matter.
_SEPARATORS = str.maketrans("", "", " -")


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalized(typed) -> str | None:
    """The stored form of a code typed or taken from a URL, or None when it cannot be one
    (so that nothing else is even looked up)."""
    if not isinstance(typed, str) or len(typed) > 40:
        return None
    code = typed.translate(_SEPARATORS).upper()
    if len(code) != LENGTH or any(char not in ALPHABET for char in code):
        return None
    return code


def grouped(code: str) -> str:
    """The code as people read it aloud or type it: two groups of five."""
    return f"{code[:5]}-{code[5:]}"
