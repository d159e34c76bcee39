"""Numbers as people write them: digits (also full-width), English words, Chinese numerals.

Used for replica counts and log tails. Values are bounded (at most 6 digits) so hostile
input never builds a huge integer.
"""

from __future__ import annotations

import re

_EN_WORDS: dict[str, int] = {
    "zero": 0, "none": 0, "no": 0, "one": 1, "a single": 1, "single": 1, "a": 1, "an": 1,
    "two": 2, "a couple of": 2, "a couple": 2, "couple of": 2, "couple": 2, "a pair of": 2, "a pair": 2,
    "pair of": 2, "both": 2, "three": 3, "a few": 3, "few": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "a dozen": 12,
    "dozen": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "a hundred": 100, "hundred": 100, "one hundred": 100, "two hundred": 200, "five hundred": 500,
    "a thousand": 1000, "thousand": 1000,
}
_ZH_DIGITS = {"零": 0, "〇": 0, "一": 1, "壹": 1, "二": 2, "兩": 2, "两": 2, "貳": 2, "三": 3, "參": 3,
              "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_ZH_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}

_WORDS_ALT = "|".join(sorted((re.escape(w) for w in _EN_WORDS if w not in ("a", "an", "no")), key=len, reverse=True))
NUMBER = rf"(?:[0-9０-９]{{1,6}}|[零〇一壹二兩两貳三參四五六七八九十拾百佰千仟]{{1,6}}|(?:{_WORDS_ALT})\b)"
"""A regex fragment that matches one number as written (use with re.IGNORECASE)."""

_FULLWIDTH = str.maketrans("０１２３４５６７８９", "0123456789")


def parse_number(raw: str) -> int | None:
    """The value of one number as matched by :data:`NUMBER`, or None."""
    token = " ".join(raw.strip().lower().split())
    if not token:
        return None
    ascii_digits = token.translate(_FULLWIDTH)
    if ascii_digits.isascii() and ascii_digits.isdigit():
        return int(ascii_digits[:6])
    if token in _EN_WORDS:
        return _EN_WORDS[token]
    return _chinese(token)


def _chinese(token: str) -> int | None:
    if not token or any(c not in _ZH_DIGITS and c not in _ZH_UNITS for c in token):
        return None
    total, digit = 0, None
    for c in token:
        if c in _ZH_DIGITS:
            digit = _ZH_DIGITS[c] if digit is None else digit * 10 + _ZH_DIGITS[c]
        else:
            total += (1 if digit is None else digit) * _ZH_UNITS[c]
            digit = None
    return total + (digit or 0)
