"""How complete a set of fields is: a pure function the profile prompt uses."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


def completeness(
    filled: Mapping[str, bool], order: Sequence[str]
) -> tuple[int, list[str]]:
    """Return the percentage of `order` that is filled and the missing names, in order.

    >>> completeness({"a": True, "b": False}, ["a", "b"])
    (50, ['b'])
    """
    if not order:
        return 100, []
    missing = [name for name in order if not filled.get(name, False)]
    return round(100 * (len(order) - len(missing)) / len(order)), missing
