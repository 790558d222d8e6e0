"""Which function erases a record's personal content, per record type.

A domain whose records are reviewed registers an eraser once, at import time of the module
listed in ``ERASER_MODULES``::

    register_eraser("intel_report", erase_intel_report)

An eraser receives the caller's session and the record id (as text), erases the record's
personal content in that session's transaction (flush, never commit), and returns the names of
the fields it erased. It raises when the record does not exist: a disposal must never succeed
silently for something that was not erased.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from sqlalchemy.orm import Session

Eraser = Callable[[Session, str], list[str]]

# Modules that register erasers when imported; looked up on the first miss so a command line
# or worker that never imported the domain still finds its eraser. Each domain adds its own
# (e.g. "beacon.intel.retention") when its records become reviewable.
ERASER_MODULES: tuple[str, ...] = ("beacon.intake.retention",)

_ERASERS: dict[str, Eraser] = {}


class UnknownRecordType(LookupError):
    """No eraser is registered for this record type."""


def register_eraser(record_type: str, eraser: Eraser) -> None:
    """Register ``eraser`` for ``record_type``. Registering the same function again is a no-op;
    registering a different one for a type that has an eraser is an error."""
    if not record_type or not record_type.strip():
        raise ValueError("record_type must not be blank")
    current = _ERASERS.get(record_type)
    if current is not None and current is not eraser:
        raise ValueError(f"an eraser is already registered for {record_type!r}")
    _ERASERS[record_type] = eraser


def unregister_eraser(record_type: str) -> None:
    """Forget the eraser for ``record_type`` (tests)."""
    _ERASERS.pop(record_type, None)


def _load_domain_modules() -> None:
    for module in ERASER_MODULES:
        importlib.import_module(module)


def eraser_for(record_type: str) -> Eraser:
    """The eraser registered for ``record_type``; ``UnknownRecordType`` when there is none."""
    eraser = _ERASERS.get(record_type)
    if eraser is None:
        _load_domain_modules()
        eraser = _ERASERS.get(record_type)
    if eraser is None:
        raise UnknownRecordType(f"no eraser is registered for record type {record_type!r}")
    return eraser


def registered_record_types() -> list[str]:
    _load_domain_modules()
    return sorted(_ERASERS)
