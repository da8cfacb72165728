"""Join codes, lecturer keys and student tokens: drawn from ``secrets``, checked for shape.

A join code is what a lecturer writes on the board: 8 characters of Crockford's base32
(digits and upper-case letters without I, L, O and U, so nothing reads as something else),
40 random bits. Guessing one is hopeless at the store's rate limit on wrong codes (a handful
a minute per client: about 2^40 / 5 minutes for one class in a room of one).

A lecturer key is 192 random bits in URL-safe base64 (32 characters). It travels only in the
lecturer's own address; the store keeps its SHA-256, never the key.

``parse_code`` and ``parse_key`` refuse a value of the wrong shape before anything asks the
store about it: a mistyped or hostile value never reaches a query.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

# Crockford's base32: 0-9 and A-Z less I, L, O, U.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 8  # 8 x 5 = 40 random bits
CODE_BITS = 5 * CODE_LENGTH
KEY_BYTES = 24  # 192 bits
KEY_LENGTH = 32  # characters of URL-safe base64 for KEY_BYTES
TOKEN_BYTES = 18  # a student's session token: 144 bits
TOKEN_LENGTH = 24

_CODE = re.compile(f"[{ALPHABET}]{{{CODE_LENGTH}}}")
_B64 = "[A-Za-z0-9_-]"
_KEY = re.compile(f"{_B64}{{{KEY_LENGTH}}}")
_TOKEN = re.compile(f"{_B64}{{{TOKEN_LENGTH}}}")
# What a person types for a code, read as Crockford reads it: O as 0, I and L as 1. Spaces
# and hyphens (a code written 4-4 on the board) are dropped; case does not matter.
_TYPED = str.maketrans({"O": "0", "I": "1", "L": "1", " ": None, "-": None})
_MAX_TYPED = 4 * CODE_LENGTH  # longer input is refused without being read further


class BadShape(ValueError):
    """A code, key or token that cannot be one: refused before any query."""


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def new_key() -> str:
    key = secrets.token_urlsafe(KEY_BYTES)
    assert len(key) == KEY_LENGTH
    return key


def new_token() -> str:
    token = secrets.token_urlsafe(TOKEN_BYTES)
    assert len(token) == TOKEN_LENGTH
    return token


def parse_code(text) -> str:
    """The code ``text`` stands for (upper case, look-alikes read as Crockford does), or
    BadShape with a message for the person who typed it."""
    if not isinstance(text, str) or len(text) > _MAX_TYPED:
        raise BadShape(f"A class code has {CODE_LENGTH} letters and digits, like 7K3M-9Q2D.")
    code = text.strip().upper().translate(_TYPED)
    if not _CODE.fullmatch(code):
        raise BadShape(f"“{text.strip()[:20]}” is not a class code: a class code has "
                       f"{CODE_LENGTH} letters and digits, like 7K3M-9Q2D.")
    return code


def is_code(text) -> bool:
    try:
        parse_code(text)
    except BadShape:
        return False
    return True


def parse_key(text) -> str:
    if not isinstance(text, str) or not _KEY.fullmatch(text):
        raise BadShape("This lecturer link is not whole: copy the full address from where "
                       "you started the class.")
    return text


def parse_token(text) -> str:
    if not isinstance(text, str) or not _TOKEN.fullmatch(text):
        raise BadShape("This session's place in the class is not valid: join the class again.")
    return text


def digest(secret: str) -> str:
    """What the store keeps of a key or token: its SHA-256, in hex."""
    return hashlib.sha256(secret.encode()).hexdigest()


def same_digest(secret: str, stored: str) -> bool:
    """Whether ``secret`` hashes to ``stored``, in constant time."""
    return hmac.compare_digest(digest(secret), stored)


def shown(code: str) -> str:
    """A code as written on the board: 7K3M-9Q2D."""
    half = CODE_LENGTH // 2
    return f"{code[:half]}-{code[half:]}"


def join_link(base_url: str, code: str) -> str:
    """The students' address for a class: ``class=CODE``, never a key."""
    return f"{base_url.rstrip('/')}/class?class={parse_code(code)}"


def lecturer_link(base_url: str, code: str, key: str) -> str:
    """The lecturer's address: ``/class?class=CODE&key=KEY`` (for the lecturer's eyes only)."""
    return f"{base_url.rstrip('/')}/class?class={parse_code(code)}&key={parse_key(key)}"
