"""`pipegen`: the command line. Exit codes: 0 ok, 1 findings in a spec, 2 usage or setup, 3 bug.

Each subcommand lives in commands/ and registers its own parser; this module only assembles
them and turns what they raise into messages and exit codes.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback

from .commands import COMMANDS
from .commands.common import (
    EXIT_FINDINGS,
    EXIT_INTERNAL,
    EXIT_OK,
    EXIT_USAGE,
    UsageError,
    pipegen_version,
)
from .diagnostics import CompileError, render_all
from .user_problems import explain

ISSUES_URL = "https://github.com/pipegen/pipegen/issues"


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return args.run(args)
    except CompileError as exc:
        sys.stderr.write(render_all(exc.diagnostics))
        return EXIT_FINDINGS
    except UsageError as exc:
        print(f"pipegen: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`pipegen cost ... | head`); nothing left to tell anyone.
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - interpreter exit flushes it
        return EXIT_OK
    except Exception as exc:
        problem = explain(exc)
        if problem is None:
            return _internal_error()
        print(f"pipegen: {problem}", file=sys.stderr)
        return EXIT_USAGE


def _internal_error() -> int:
    if os.environ.get("PIPEGEN_DEBUG"):
        traceback.print_exc()
    kind, value, _ = sys.exc_info()
    print(
        f"pipegen: internal error ({kind.__name__}: {value}). This is a bug in pipegen, not "
        f"in your spec; please report it at {ISSUES_URL} (PIPEGEN_DEBUG=1 shows the "
        "traceback).",
        file=sys.stderr,
    )
    return EXIT_INTERNAL


class _PrintVersion(argparse.Action):
    """`--version`, looked up only when asked: reading the installed package's metadata costs
    every other command about 40 ms of its start-up."""

    def __init__(self, option_strings: list[str], dest: str, **_: object) -> None:
        super().__init__(option_strings, dest, nargs=0, help="show pipegen's version and exit")

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        print(f"pipegen {pipegen_version()}")
        parser.exit()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pipegen", description="Compile pipeline specs into AWS Glue stacks and jobs."
    )
    parser.add_argument("--version", action=_PrintVersion)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.register(commands)
    return parser
