"""Staff intake pages (HTML, ``/intake``): the queue, a report, sanitising, grading, dissemination.

Every route declares its permission (``require_permission``) and every record-level decision
is the intake service's (``beacon.access.decide`` plus the intake rule that undisseminated
reports belong to the owning organisation's supervisors and the partner who submitted them).
A report a principal may not see answers 404, exactly like one that does not exist.

The pages are split by group, each module listing its routes:

* ``web_queue``: ``GET /intake`` (the queue) and ``POST /intake/duty``;
* ``web_report``: ``GET /intake/{id}`` and its steps (grade, disseminate, close, questions),
  and the report's photos;
* ``web_original``: the original and sanitising (reports and residents' answers), each shown
  only after a reason stated in a POST body;
* ``web_shared``: what they share (permissions, words, lookup, highlighting).

This module gathers their routes into ``router``, in that order.
"""

from __future__ import annotations

from fastapi import APIRouter

from beacon.intake import web_original, web_queue, web_report
from beacon.intake.web_shared import Piece, apply_redactions, highlight, plain_lines

__all__ = ["Piece", "apply_redactions", "highlight", "plain_lines", "router"]

router = APIRouter(include_in_schema=False)
router.include_router(web_queue.router)
router.include_router(web_report.router)
router.include_router(web_original.router)
