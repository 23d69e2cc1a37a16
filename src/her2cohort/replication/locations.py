"""Locations of published numbers and patterns over them.

A location is a path of segments separated by ``" / "``, from where the number
is printed to what it is: ``"Table 2 / Gender / Male / persistence / n"``.
A pattern has the same shape; ``*`` stands for any one segment and ``**`` for
any number of segments (zero or more). A template names segments of a matched
location by position: ``{1}`` is its second segment, ``{-1}`` its last.
"""

from __future__ import annotations

import re

SEPARATOR = " / "


def segments(location: str) -> list[str]:
    return location.split(SEPARATOR)


def _match_parts(pattern: list[str], location: list[str]) -> bool:
    if not pattern:
        return not location
    head, rest = pattern[0], pattern[1:]
    if head == "**":  # zero or more segments
        return any(_match_parts(rest, location[skip:]) for skip in range(len(location) + 1))
    if not location:
        return False
    return (head == "*" or head == location[0]) and _match_parts(rest, location[1:])


def matches(pattern: str, location: str) -> bool:
    """Whether ``location`` fits ``pattern`` segment by segment."""
    return _match_parts(segments(pattern), segments(location))


def fill(template: str, location: str) -> str:
    """``template`` with ``{i}`` replaced by segment i of ``location``."""
    parts = segments(location)

    def segment(match: re.Match) -> str:
        index = int(match.group(1))
        try:
            return parts[index]
        except IndexError:
            raise ValueError(f"template {template!r} names segment {index} but {location!r} has {len(parts)}") from None

    return re.sub(r"\{(-?\d+)\}", segment, template)


def sibling(location: str, last: str) -> str:
    """The location with its last segment replaced (``.../%`` -> ``.../n``)."""
    return SEPARATOR.join(segments(location)[:-1] + [last])
