"""Logging: one JSON object per line, every line with the request id of the work it belongs to.

The request id lives in a context variable: the HTTP middleware sets it per request (a sane
incoming X-Request-ID, or a new one), the outbox row written during that request keeps it, and the
delivery worker sets it again while it handles that row, so one id follows a referral's message
from the creditor's request to the receiver. Log lines carry ids, types, statuses and counts only:
never a message body, name, BSN, address, phone number or e-mail address.
"""

import logging
import logging.config
import re
import uuid
from contextvars import ContextVar
from typing import Any

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

from app.config import Settings

REQUEST_ID_HEADER = "X-Request-ID"
# what we accept from a caller: short, and only characters that cannot forge a log line
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")

_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


def new_request_id() -> str:
    return uuid.uuid4().hex


def accepted_request_id(incoming: str | None) -> str:
    """The caller's X-Request-ID when it is sane, otherwise a new one."""
    if incoming and SANE_REQUEST_ID.fullmatch(incoming):
        return incoming
    return new_request_id()


def current_request_id() -> str | None:
    """The request id of the work in progress (the default of `outbox.request_id`)."""
    return _request_id.get()


def bind_request_id(request_id: str | None) -> None:
    """Attribute what follows in this task (log lines, outbox rows) to `request_id`."""
    _request_id.set(request_id)


class RequestIdFilter(logging.Filter):
    """Puts the current request id on every record (None outside any request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = _request_id.get()
        return True


def logging_config(settings: Settings) -> dict[str, Any]:
    """The dictConfig of every process: the root logger and uvicorn's, one handler on stderr.

    uvicorn's own access log is switched off: the request middleware writes one line per request
    with the route template, status, duration and request id, and without the query string.
    """
    formatter: dict[str, Any] = (
        {
            "()": JsonFormatter,
            "fmt": "%(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"levelname": "level", "name": "logger"},
            "timestamp": "time",
            # uvicorn's copy of its message with terminal colours
            "reserved_attrs": [*RESERVED_ATTRS, "color_message"],
        }
        if settings.log_format == "json"
        else {"format": "%(asctime)s %(levelname)-7s %(name)s [%(request_id)s] %(message)s"}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"default": formatter},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "default",
                "filters": ["request_id"],
            }
        },
        "root": {"level": settings.log_level.upper(), "handlers": ["stderr"]},
        "loggers": {
            "uvicorn": {"handlers": [], "propagate": True},
            "uvicorn.error": {"handlers": [], "propagate": True},
            "uvicorn.access": {"handlers": [], "propagate": False, "level": "CRITICAL"},
            # one line per outgoing request at INFO is noise next to the delivery log
            "httpx": {"level": "WARNING"},
            "httpcore": {"level": "WARNING"},
            # SQLAlchemy logs every statement when its logger is at INFO (as root's level would be)
            "sqlalchemy": {"level": "WARNING"},
            "aiosqlite": {"level": "WARNING"},
            "asyncio": {"level": "WARNING"},
        },
    }


def configure(settings: Settings) -> None:
    logging.config.dictConfig(logging_config(settings))
