"""Regular expressions compiled when first used: the built-in catalogue holds hundreds of
product names and rewrites, and a command that matches a few components (bringing a kept
ranking up to date for a new day) would otherwise compile every one of them first, a tenth of
a second of each such command."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator


class LazyPattern:
    """A regular expression (no flags) with the `re.Pattern` methods the catalogue uses,
    compiled on the first of them. Equal, and hashed alike, where the expressions are, as
    compiled patterns are."""

    __slots__ = ("_compiled", "pattern")

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self._compiled: re.Pattern[str] | None = None

    def compiled(self) -> re.Pattern[str]:
        """The compiled expression, compiled now if it has not been."""
        found = self._compiled
        if found is None:
            found = self._compiled = re.compile(self.pattern)
        return found

    def search(self, text: str) -> re.Match[str] | None:
        """`re.Pattern.search`."""
        return self.compiled().search(text)

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        """`re.Pattern.finditer`."""
        return self.compiled().finditer(text)

    def sub(self, replacement: str | Callable[[re.Match[str]], str], text: str) -> str:
        """`re.Pattern.sub`."""
        return self.compiled().sub(replacement, text)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LazyPattern) and other.pattern == self.pattern

    def __hash__(self) -> int:
        return hash(self.pattern)

    def __repr__(self) -> str:
        return f"LazyPattern({self.pattern!r})"
