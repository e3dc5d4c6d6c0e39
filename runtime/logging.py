"""Structured JSON logs (structlog); secrets and personal data never reach a log line.

Every record, ours and the libraries' (Temporal, uvicorn, SQLAlchemy through stdlib logging),
is rendered as one JSON object by the same chain, and `mask_sensitive` runs last before the
renderer: a value logged under a secret-looking or personal key is replaced, however deeply
nested, and a bearer token is cut out of any string.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any, TextIO

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

MASK = "***"
SECRET_NAMES = frozenset({"api_secret", "token", "authorization", "password", "secret"})
SECRET_SUFFIXES = ("_key", "_keys", "_secret", "_token", "_password")
PII_NAMES = frozenset({"ip", "device_fingerprint", "email", "phone"})
_BEARER = re.compile(r"(?i)\b(bearer)\s+[^\s,;\"']+")


def is_sensitive(key: str) -> bool:
    name = key.lower().replace("-", "_")
    return name in SECRET_NAMES or name in PII_NAMES or name.endswith(SECRET_SUFFIXES)


def mask_sensitive(_: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
    """A structlog processor: masks what must not be logged (see the module docstring)."""
    return {key: _masked(key, value) for key, value in event_dict.items()}


def _masked(key: object, value: Any) -> Any:
    if isinstance(key, str) and is_sensitive(key) and value is not None:
        return MASK
    if isinstance(value, Mapping):
        return {k: _masked(k, v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_masked(None, item) for item in value]
    if isinstance(value, str):
        return _BEARER.sub(rf"\1 {MASK}", value)
    return value


def configure(level: int = logging.INFO, stream: TextIO | None = None) -> None:
    """JSON lines on `stream` (stderr by default) for structlog and stdlib loggers alike."""
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso"),
    ]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.make_filtering_bound_logger(level),
    )
    handler = logging.StreamHandler(stream)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                mask_sensitive,
                structlog.processors.JSONRenderer(),
            ],
        )
    )
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level)
