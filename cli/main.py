"""The isindex command line: the parser, built from each command group's module, and main()."""

from __future__ import annotations

import argparse
import os
import signal
import sys

from api import logs
from cli import accounts, audit, backup, feeds, match, misuse, ranks, retention, review, sar, service, signin
from index import config, errors

# In the order `isindex --help` lists them.
GROUPS = (service, backup, accounts, signin, match, feeds, review, retention, sar, audit, misuse, ranks)
SERVICES = ("serve", "worker")     # long-running: JSON log lines; other commands: plain text unless --json
_terminated = False


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="isindex", description="Children's services information-sharing index.")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in GROUPS:
        group.add_parsers(sub)
    return p


def _on_sigterm(signum, frame) -> None:
    """SIGTERM stops a command as Ctrl-C does, so that clean-up runs: uvicorn's and
    asyncio's shutdown, and the embedded PostgreSQL's stop at exit (atexit, which a
    process killed by the signal's default action would skip)."""
    global _terminated
    _terminated = True
    handler = signal.getsignal(signal.SIGINT)
    if callable(handler):
        handler(signal.SIGINT, frame)       # asyncio.run's own (cancels the main task) or the default
    else:
        raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, _on_sigterm)
    try:        # a stop while the command starts (its imports take a second) is a stop too
        args = parser().parse_args(argv)
        logs.configure(json=getattr(args, "json", False) or args.command in SERVICES)
        settings = config.load()
    except KeyboardInterrupt:
        return 143 if _terminated else 130
    try:
        return args.func(args, settings)
    except errors.DomainError as exc:
        print(f"isindex: {exc.message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 143 if _terminated else 130
    except Exception as exc:  # no stack traces for users; ISINDEX_DEBUG=1 shows one
        if os.environ.get("ISINDEX_DEBUG"):
            raise
        print(f"isindex: {args.command} failed ({type(exc).__name__}); set ISINDEX_DEBUG=1 for details",
              file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
