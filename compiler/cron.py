"""How long a Glue `cron()` schedule can leave between two runs, for the missed-run alarm.

Evaluated hour by hour over 400 days (long enough for monthly schedules), so the answer is
exact to the hour. Forms that depend on a month's length or weekday position (`L`, `W`, `#`)
return None: the caller then asks for `alerts.missed_run_hours` instead of guessing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache
from itertools import pairwise

MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
WINDOW_HOURS = 400 * 24


@lru_cache(maxsize=256)
def max_gap_hours(cron: str) -> int | None:
    """The longest stretch in whole hours between two scheduled runs, or None if unknown."""
    runs = _firing_hours(cron.removeprefix("cron(").removesuffix(")").split())
    if runs is None or len(runs) < 2:
        return None
    return max(b - a for a, b in pairwise(runs))


def never_fires(cron: str) -> bool:
    """True when the day and month fields can never meet (`30 2`: February 30th)."""
    runs = _firing_hours(cron.removeprefix("cron(").removesuffix(")").split())
    return runs == ()


@lru_cache(maxsize=256)
def runs_per_month(cron: str, hours_per_month: int = 730) -> float | None:
    """How many times a month the schedule fires, or None if unknown."""
    fields = cron.removeprefix("cron(").removesuffix(")").split()
    hourly = _firing_hours(fields)
    if hourly is None:
        return None
    try:
        per_hour = len(_values(fields[0], 0, 59, []))
    except ValueError:
        return None
    return len(hourly) * per_hour * hours_per_month / WINDOW_HOURS


def _firing_hours(fields: list[str]) -> tuple[int, ...] | None:
    return _firing_hours_of(tuple(fields))


@lru_cache(maxsize=256)
def _firing_hours_of(fields: tuple[str, ...]) -> tuple[int, ...] | None:
    """The hours (counted from the window's start) in which the schedule fires."""
    if len(fields) != 6 or any(c in "".join(fields) for c in "LW#"):
        return None
    _, hours, dom, month, dow, _ = fields
    try:
        allowed = (
            _values(hours, 0, 23, []),
            _values(dom, 1, 31, []),
            _values(month, 1, 12, MONTHS),
            _values(dow, 1, 7, DAYS),
        )
    except ValueError:
        return None
    start = datetime(2027, 1, 1, tzinfo=UTC)
    day_hours = sorted(allowed[0])
    # Day by day: whether a day matches does not depend on the hour.
    return tuple(
        day * 24 + hour
        for day in range(WINDOW_HOURS // 24)
        if _day_matches(start + timedelta(days=day), allowed)
        for hour in day_hours
    )


def _day_matches(at: datetime, allowed: tuple[set[int], ...]) -> bool:
    _, dom, month, dow = allowed
    weekday = (at.weekday() + 1) % 7 + 1  # cron: 1 = Sunday
    return at.month in month and at.day in dom and weekday in dow


def _values(field: str, low: int, high: int, names: list[str]) -> set[int]:
    if field in ("*", "?"):
        return set(range(low, high + 1))
    values: set[int] = set()
    for part in field.split(","):
        span, _, step = part.partition("/")
        if span == "*":
            first, last = low, high
        elif "-" in span:
            first, last = (_number(x, low, names) for x in span.split("-", 1))
        else:
            first = _number(span, low, names)
            last = high if step else first
        values.update(range(first, last + 1, int(step) if step else 1))
    if not values or min(values) < low or max(values) > high:
        raise ValueError(field)
    return values


def _number(token: str, low: int, names: list[str]) -> int:
    if token.upper() in names:
        return names.index(token.upper()) + low
    return int(token)
