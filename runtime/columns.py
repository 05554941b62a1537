"""Column names: raw names cleaned to lower snake case, and partition key names."""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .stage_config import Partitioning

METADATA = ("_batch_id", "_ingested_at", "_source_file")
# Letters that do not decompose into an ASCII letter plus accents.
_LETTERS = str.maketrans(
    {
        "ß": "ss",
        "æ": "ae",
        "Æ": "AE",
        "ø": "o",
        "Ø": "O",
        "œ": "oe",
        "Œ": "OE",
        "đ": "d",
        "Đ": "D",
        "ł": "l",
        "Ł": "L",
        "þ": "th",
        "Þ": "TH",
    }
)
GRANULARITY = {"year": ("year",), "month": ("year", "month"), "day": ("year", "month", "day")}


def snake(name: str) -> str:
    # Accents are transliterated, not dropped: `íd` is `id`, not `d`.
    spelled = name.translate(_LETTERS)
    ascii_name = unicodedata.normalize("NFKD", spelled).encode("ascii", "ignore").decode()
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", ascii_name.strip())
    return re.sub(r"[^0-9a-z]+", "_", spaced.lower()).strip("_")


def clean_names(raw: list[str]) -> list[str]:
    """Lower snake case, unique: collisions get _2, _3... in order of appearance."""
    used: set[str] = set()
    cleaned = []
    for position, name in enumerate(raw, start=1):
        base = snake(name) or f"column_{position}"
        if base[0].isdigit():
            base = f"c_{base}"
        candidate, n = base, 2
        while candidate in used or candidate in METADATA:
            candidate, n = f"{base}_{n}", n + 1
        used.add(candidate)
        cleaned.append(candidate)
    return cleaned


def partition_keys(column: str, granularity: str, existing: list[str]) -> list[str]:
    """`year`, `month`, `day`, unless the data has columns of those names.

    Then `<column>_year`...: a partition directory named like a data column would make
    readers replace the column's values with the directory's (flights' local `day` is not
    the UTC day of `time_hour`).
    """
    parts = GRANULARITY[granularity]
    if any(p in existing for p in parts):
        return [f"{column}_{p}" for p in parts]
    return list(parts)


def partition_folders(key: str) -> dict[str, str]:
    """`{"year": "2013", ...}` from the `name=value` folders of an object key."""
    return dict(part.split("=", 1) for part in key.split("/")[:-1] if "=" in part)


def in_partitions(keys: list[str], partitions: list[dict[str, Any]]) -> Any:
    """A Spark condition: the row lies in one of `partitions` (false for none)."""
    from functools import reduce

    from pyspark.sql import functions as F

    matches = [reduce(lambda a, b: a & b, [F.col(k) == p[k] for k in keys]) for p in partitions]
    return reduce(lambda a, b: a | b, matches, F.lit(False))


def add_partition_columns(frame: Any, partitioning: Partitioning | None) -> tuple[Any, list[str]]:
    """The frame with its partition columns (from `partition_by`) added, and their names."""
    if partitioning is None:
        return frame, []
    from pyspark.sql import functions as F

    keys = partition_keys(partitioning.column, partitioning.granularity, frame.columns)
    column = F.col(partitioning.column)
    parts = {"year": F.year(column), "month": F.month(column), "day": F.dayofmonth(column)}
    for key, part in zip(keys, ("year", "month", "day"), strict=False):
        frame = frame.withColumn(key, parts[part])
    return frame, keys
