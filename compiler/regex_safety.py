"""Finds the regular-expression shape that backtracks exponentially: a repeated group whose
body itself repeats (`([a-z]+_?)+`, `(a*)*`). Python's `re` has no time limit, so the landing
check (a Lambda function with seconds to spare) must never be handed such a pattern.

Overlapping alternatives under a repeat (`(a|ab)*`) can also be slow; they are rarer in file
name patterns and not detected here.
"""

from __future__ import annotations

import re
from re import _constants as sre  # the parser's opcodes; stable since Python 3.11
from re import _parser as sre_parse

_QUANTIFIER = re.compile(r"[+*]|\{(\d*),(\d*)\}|\{(\d+)\}")
_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT)
_GROUP_PREFIX = re.compile(r"^\?(?::|P<\w+>|[imsx]+:)")


def catastrophic_part(pattern: str) -> str | None:
    """The first repeated group whose body repeats, as written, or None if there is none."""
    for start, end in _groups(pattern):
        quantifier = _QUANTIFIER.match(pattern, end + 1)
        if quantifier and _many(quantifier) and _body_repeats(pattern[start + 1 : end]):
            return pattern[start : quantifier.end()]
    return None


def _groups(pattern: str) -> list[tuple[int, int]]:
    """(open, close) index pairs of the pattern's parentheses, skipping escapes and classes."""
    pairs, stack, i, in_class = [], [], 0, False
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            if pattern[i + 1 : i + 2] == "]":  # `[]...]`: a literal ] first
                i += 1
        elif char == "(":
            stack.append(i)
        elif char == ")" and stack:
            pairs.append((stack.pop(), i))
        i += 1
    return sorted(pairs)


def _many(quantifier: re.Match) -> bool:
    """Whether the quantifier allows the group more than once."""
    text = quantifier.group(0)
    if text in "+*":
        return True
    if quantifier.group(3) is not None:
        return int(quantifier.group(3)) > 1
    return not quantifier.group(2) or int(quantifier.group(2)) > 1


def _body_repeats(body: str) -> bool:
    try:
        parsed = sre_parse.parse(_GROUP_PREFIX.sub("", body))
    except re.error:  # a lookaround or a back-reference out of context: not the shape we seek
        return False
    return _has_repeat(parsed)


def _has_repeat(items) -> bool:
    for op, value in items:
        if op in _REPEATS:
            _, high, body = value
            if high > 1 or _has_repeat(body):
                return True
        elif op is sre.SUBPATTERN:
            if _has_repeat(value[-1]):
                return True
        elif op is sre.BRANCH and any(_has_repeat(branch) for branch in value[1]):
            return True
    return False
