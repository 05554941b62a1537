"""How much of each zone sits in which S3 storage class in a steady month, from the spec's
retention (the same settings the buckets' lifecycle rules are built from, `builders/s3.py`).

Each month writes `gb` to a zone; an object stays in S3 Standard until its transition day, then
moves (raw: to its archive class; processed and curated: to Intelligent-Tiering), and leaves
at its expiry day. An archive class bills its minimum storage duration even when the object
expires sooner. Intelligent-Tiering keeps an object in its frequent tier (Standard's price) for
30 days without access, then its infrequent tier, and after 90 days its archive instant tier:
the estimate assumes the data is not read after its first days (pipegen's jobs never re-read
published files), which is the case Intelligent-Tiering is for.
"""

from __future__ import annotations

from dataclasses import dataclass

from .builders.s3 import storage_transition
from .spec.document import Retention

DAYS_PER_MONTH = 30.4
# Minimum storage durations AWS bills an archived object for.
MINIMUM_DAYS = {"GLACIER_IR": 90, "GLACIER": 90, "DEEP_ARCHIVE": 180}
# Intelligent-Tiering's automatic tiers: days without access before each.
INFREQUENT_AFTER, ARCHIVE_INSTANT_AFTER = 30, 90
CLASS_NAMES = {
    "STANDARD": "Standard",
    "GLACIER_IR": "Glacier Instant Retrieval",
    "GLACIER": "Glacier Flexible Retrieval",
    "DEEP_ARCHIVE": "Glacier Deep Archive",
    "INTELLIGENT_TIERING": "Intelligent-Tiering",
    "INTELLIGENT_TIERING_FREQUENT": "Int-Tiering frequent",
    "INTELLIGENT_TIERING_INFREQUENT": "Int-Tiering infrequent",
    "INTELLIGENT_TIERING_ARCHIVE_INSTANT": "Int-Tiering archive instant",
}


@dataclass(frozen=True)
class Stored:
    zone: str
    storage_class: str  # a key of CLASS_NAMES (and of the price table's s3.gb_month)
    gb_months: float


@dataclass(frozen=True)
class Moved:
    """Objects a zone's lifecycle moves a month: billed per 1,000 transitions, and (to
    Intelligent-Tiering) a monitoring fee per object held."""

    zone: str
    storage_class: str
    objects: float
    objects_held: float


def stored(retention: Retention, zone: str, gb: float, keep_days: float) -> list[Stored]:
    """GB-months per storage class of a zone that is written `gb` a month and keeps each
    object `keep_days`."""
    transition = storage_transition(retention, zone)
    if transition is None or transition[1] >= keep_days:
        return [Stored(zone, "STANDARD", gb * keep_days / DAYS_PER_MONTH)]
    storage_class, day = transition
    if storage_class != "INTELLIGENT_TIERING":
        archived = max(keep_days - day, MINIMUM_DAYS[storage_class])
        return [
            Stored(zone, "STANDARD", gb * day / DAYS_PER_MONTH),
            Stored(zone, storage_class, gb * archived / DAYS_PER_MONTH),
        ]
    spans = (
        ("STANDARD", 0, day),
        ("INTELLIGENT_TIERING_FREQUENT", day, day + INFREQUENT_AFTER),
        ("INTELLIGENT_TIERING_INFREQUENT", day + INFREQUENT_AFTER, day + ARCHIVE_INSTANT_AFTER),
        ("INTELLIGENT_TIERING_ARCHIVE_INSTANT", day + ARCHIVE_INSTANT_AFTER, keep_days),
    )
    return [
        Stored(zone, name, gb * (min(end, keep_days) - start) / DAYS_PER_MONTH)
        for name, start, end in spans
        if min(end, keep_days) > start
    ]


def moved(retention: Retention, zone: str, objects: float, keep_days: float) -> Moved | None:
    """The zone's monthly transitions, for a zone that is written `objects` a month."""
    transition = storage_transition(retention, zone)
    if transition is None or transition[1] >= keep_days:
        return None
    storage_class, day = transition
    held = objects * (keep_days - day) / DAYS_PER_MONTH
    return Moved(zone, storage_class, objects, held)
