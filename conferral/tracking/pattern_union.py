"""Many patterns searched for at once, fast: whether any of them occurs in a text.

Python's `re` tries an alternation branch by branch at every position of the text, so
a thousand words joined by "|" cost a thousand tries per letter. Most patterns of a
user-agent list are plain words, though: those are folded into one trie-shaped
expression (one branch per next letter), and only the real regular expressions keep an
alternation of their own. The text is lower-cased once and so are the patterns, matched
case-sensitively: `re` then skips a branch that begins with another letter at once,
which it cannot do while ignoring case. The answer is the same as searching the text for
`"|".join(patterns)` with re.IGNORECASE (the few expressions that cannot be lower-cased,
such as those with `\\S` or `\\D`, are matched ignoring case). Anchored alternatives
("^…") are tried at the start only."""

from __future__ import annotations

import re
from collections.abc import Iterable

# What a pattern may escape and still be a plain word; what makes it an expression.
_ESCAPED = re.compile(r"\\([^a-zA-Z0-9])")
_SPECIAL = re.compile(r"[\\\[\]().*+?{}^$|]")
_END = ""  # the key marking where a word of the trie ends

_Trie = dict[str, "_Trie"]


def alternatives(pattern: str) -> list[str]:
    """The top-level alternatives of `pattern` (its "|" outside groups and classes)."""
    parts: list[str] = []
    depth = 0
    start = 0
    index = 0
    in_class = False
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
            # A "]" right after "[" or "[^" is a member, not the end.
            if pattern[index + 1 : index + 2] == "^":
                index += 1
            if pattern[index + 1 : index + 2] == "]":
                index += 1
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append(pattern[start:index])
            start = index + 1
        index += 1
    parts.append(pattern[start:])
    return parts


def plain_word(pattern: str) -> str | None:
    """The word a pattern stands for, or None when it is a real regular expression."""
    if _SPECIAL.search(_ESCAPED.sub("", pattern)):
        return None
    return _ESCAPED.sub(r"\1", pattern)


def lowered(pattern: str) -> str | None:
    """`pattern` in lower case, or None when that would change its meaning (an escape
    such as `\\S` or `\\D`)."""
    index = 0
    while index < len(pattern):
        if pattern[index] == "\\":
            if pattern[index + 1 : index + 2].isupper():
                return None
            index += 2
        else:
            index += 1
    return pattern.lower()


def _joined(expressions: list[str], flags: int = 0) -> re.Pattern[str] | None:
    if not expressions:
        return None
    return re.compile("|".join(f"(?:{e})" for e in expressions), flags)


def trie_pattern(words: Iterable[str]) -> str:
    """One regular expression matching any of `words`, shaped as a trie of their
    letters so the engine follows one branch per letter."""
    root: _Trie = {}
    for word in words:
        node = root
        for letter in word:
            node = node.setdefault(letter, {})
        node[_END] = {}
    return _node_pattern(root) if root else "(?!)"


def _node_pattern(node: _Trie) -> str:
    # A word ending here has matched already: the longer ones need not be tried.
    if _END in node:
        return ""
    branches = [re.escape(letter) + _node_pattern(child) for letter, child in node.items()]
    return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"


class PatternUnion:
    """Whether any of `patterns` occurs in a text (see the module's docstring)."""

    def __init__(self, patterns: Iterable[str]) -> None:
        words: list[str] = []
        anywhere: list[str] = []
        at_start: list[str] = []
        ignoring_case: list[str] = []
        for pattern in patterns:
            for part in alternatives(pattern):
                word = plain_word(part)
                lower = lowered(part)
                if word is not None:
                    words.append(word.lower())
                elif lower is None:
                    ignoring_case.append(part)
                elif lower.startswith("^"):
                    at_start.append(lower[1:])
                else:
                    anywhere.append(lower)
        self._searches = [
            compiled.search
            for compiled in (
                re.compile(trie_pattern(words)),
                _joined(anywhere),
                _joined(ignoring_case, re.IGNORECASE),
            )
            if compiled is not None
        ]
        self._at_start = _joined(at_start)

    def search(self, lowered: str) -> bool:
        """Whether any pattern occurs in `lowered`, a lower-cased text."""
        if self._at_start is not None and self._at_start.match(lowered):
            return True
        return any(search(lowered) for search in self._searches)
