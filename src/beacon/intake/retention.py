"""Registers the intelligence report eraser with retention (imported via ERASER_MODULES)."""

from __future__ import annotations

from beacon.intake.models import RECORD_TYPE
from beacon.intake.service import erase_report
from beacon.retention.erasers import register_eraser

register_eraser(RECORD_TYPE, erase_report)
