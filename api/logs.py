"""Structured logs that carry ids only: never a name, date of birth or address."""

from __future__ import annotations

import logging
import sys

import structlog

_done = False


class _StderrLogger:
    """Writes each line to whatever sys.stderr is at the time (it can be swapped)."""

    def msg(self, message: str) -> None:
        # One write of the line and its newline: print() writes them apart, and serve and
        # its child feed worker share one stderr, so their lines could run together.
        sys.stderr.write(message + "\n")
        sys.stderr.flush()

    log = debug = info = warn = warning = error = critical = exception = fatal = msg


class _StderrLoggerFactory:
    def __call__(self, *args) -> _StderrLogger:
        return _StderrLogger()


def _plain(_, __, event: dict) -> str:
    """One readable line for a person at a terminal: 'isindex: event key=value ...'."""
    event.pop("timestamp", None)
    level = event.pop("level", "info")
    name = event.pop("event", "")
    fields = " ".join(f"{k}={v}" for k, v in event.items())
    return f"isindex: {'' if level == 'info' else level + ': '}{name}{' ' + fields if fields else ''}"


def configure(level: int = logging.INFO, *, json: bool = True) -> None:
    """Structured lines on stderr: JSON (services, and commands given --json), or plain
    text for a person (the other commands). The first call wins."""
    global _done
    if _done:
        return
    _done = True
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.JSONRenderer() if json else _plain,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=_StderrLoggerFactory(),
        cache_logger_on_first_use=True,
    )
