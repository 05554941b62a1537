"""Job arguments and stage configs: where a job learns what to do (data, never code)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .stage_config import API_VERSION, CONFIG_CLASSES, STAGES, StageConfig
from .typed_json import ShapeError, decode

__all__ = ["STAGES", "ConfigError", "JobArguments", "parse_arguments", "parse_config"]
# The `--pipegen-*` arguments a job reads on Glue, which the stack's jobs must pass (the builder
# of the Glue jobs is checked against this list by tests/test_glue_arguments.py).
ARGUMENTS = (
    "config",
    "stage",
    "env",
    "raw-bucket",
    "processed-bucket",
    "curated-bucket",
    "temp-bucket",
    "database",
    "run-state-table",
    "bookmark-table",
    "quality-table",
    "topic-arn",
)


class ConfigError(Exception):
    """The job's configuration is missing or malformed; the job must fail loudly."""


@dataclass(frozen=True)
class JobArguments:
    """The `--pipegen-*` arguments Glue passes (or `pipegen run` passes locally)."""

    values: dict[str, str]

    def __getitem__(self, name: str) -> str:
        try:
            return self.values[name]
        except KeyError:
            raise ConfigError(f"job argument --pipegen-{name} is missing") from None


def parse_arguments(argv: list[str]) -> JobArguments:
    """Pick `--pipegen-NAME VALUE` (or `=VALUE`) pairs; Glue adds others, which are ignored."""
    values: dict[str, str] = {}
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg.startswith("--pipegen-"):
            name, sep, value = arg[len("--pipegen-") :].partition("=")
            if not sep:
                if i + 1 >= len(argv):
                    raise ConfigError(f"job argument {arg} has no value")
                value, i = argv[i + 1], i + 1
            values[name] = value
        i += 1
    return JobArguments(values)


def parse_config(text: str, stage: str, origin: str) -> StageConfig:
    """Parse a stage config into its typed class; any problem is a ConfigError naming `origin`
    and the key (a config from another pipegen version fails here, not halfway through)."""
    try:
        config = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{origin}: stage config is not valid JSON: {exc}") from None
    if not isinstance(config, dict) or config.get("apiVersion") != API_VERSION:
        raise ConfigError(f"{origin}: stage config lacks apiVersion {API_VERSION}")
    if config.get("stage") != stage:
        raise ConfigError(
            f"{origin}: stage config is for {config.get('stage')!r}, this job is {stage!r}"
        )
    try:
        return decode(CONFIG_CLASSES[stage], config, "stage config")
    except ShapeError as exc:
        raise ConfigError(f"{origin}: {exc}") from None


def read_local_config(path: Path, stage: str) -> StageConfig:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read stage config: {exc.strerror}") from None
    return parse_config(text, stage, str(path))
