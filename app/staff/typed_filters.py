"""What a staff filter form was sent, shown back in it when a filter is refused.

Found from outside: a refused filter (a "from" date after the "to" date, an unknown area) emptied the
whole form, so the official typed every filter again to fix one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

#: Longer values are cut: a control shows back what was typed, not an arbitrarily long query string.
LONGEST = 200


def typed_filters(args: Mapping[str, str], names: Iterable[str]) -> dict[str, str]:
    """The named query parameters as sent (trimmed, at most LONGEST characters), absent ones left out."""
    return {name: args[name].strip()[:LONGEST] for name in names if args.get(name)}
