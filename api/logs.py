"""Structured logs that carry ids only: never a name, date of birth or address."""

from __future__ import annotations

import logging
import sys

import structlog

_done = False


class _StderrLogger:
    """Writes each line to whatever sys.stderr is at the time (it can be swapped)."""

    def msg(self, message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    log = debug = info = warn = warning = error = critical = exception = fatal = msg


class _StderrLoggerFactory:
    def __call__(self, *args) -> _StderrLogger:
        return _StderrLogger()


def configure(level: int = logging.INFO) -> None:
    global _done
    if _done:
        return
    _done = True
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=_StderrLoggerFactory(),
        cache_logger_on_first_use=True,
    )
