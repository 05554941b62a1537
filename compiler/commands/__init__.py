"""The subcommands of `pipegen`, one module each; every module registers its own parser."""

from __future__ import annotations

from . import (
    compile,
    cost,
    deploy,
    diff,
    graph,
    lint,
    new,
    rollback,
    run,
    spec_schema,
    status,
    upload,
    validate,
    watch,
)

# In the order `pipegen --help` lists them: the daily loop first, AWS operations after.
COMMANDS = (
    compile,
    validate,
    lint,
    graph,
    diff,
    new,
    deploy,
    status,
    rollback,
    cost,
    spec_schema,
    run,
    watch,
    upload,
)
