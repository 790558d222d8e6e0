"""The resident reporting portal: ``/report`` and keep-in-contact, with no sign-in.

Anyone may tell the partnership what they have seen, anonymously unless they choose to give
contact details. What this module guarantees (each one tested, listed in docs/SECURITY.md):

* Nothing about the connection is kept: no address, browser (User-Agent), referrer, cookie or
  precise time reaches the database, the files or the logs. The handlers read no header except
  ``Content-Type``/``Content-Length`` (to read the form), ``Sec-Fetch-Site``/``Origin``/``Host``
  (to refuse cross-site posts) and the peer address, which only feeds the in-memory rate
  limiter as an HMAC under a key that rotates and is never stored (``ratelimit.py``). The
  portal sets no cookie at all: cross-site posts are refused on ``Sec-Fetch-Site``/``Origin``
  instead of a CSRF cookie. Nothing is logged about a request; a storage failure is logged by
  exception type only (database errors can carry the submitted values in their message).
* A reference code is shown only after the report's transaction has committed (the
  group-commit ``SubmissionWriter``); only an Argon2 hash of its secret half is stored. It is
  shown once, in the page body of the POST response (never in a URL), with ``no-store``.
* Input is read by this module itself rather than by Starlette's form parser, because that
  parser silently decodes invalid UTF-8 as Latin-1: bodies over ``MAX_BODY_BYTES`` get 413
  before parsing, a text field over ``MAX_FIELD_BYTES`` 413, invalid UTF-8 or malformed
  multipart 400, and photos are decoded and re-encoded (``sanitise.photos``) so no metadata
  survives. Any refusal stores nothing.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import ImmutableMultiDict

from beacon.config import Settings
from beacon.geography.models import Area, AreaBoundary, AreaLevel
from beacon.geography.shapes import feature_collection
from beacon.intake import service
from beacon.intake.codes import prepare_resident_code
from beacon.intake.models import IntelReport, State
from beacon.intake.ratelimit import RotatingClientLimiter
from beacon.intake.schemas import (
    MAX_NARRATIVE,
    FormErrors,
    ResidentReportIn,
    clean_text,
    parse_resident_form,
)
from beacon.intake.themes import RESIDENT_HINTS
from beacon.intake.writer import WriterStopped
from beacon.runtime import Runtime
from beacon.sanitise.photos import (
    MAX_PHOTO_BYTES,
    CleanPhoto,
    PhotoRejected,
    PhotoStore,
    StoredPhoto,
    clean_photo,
)
from beacon.web.templating import render

router = APIRouter(include_in_schema=False)
logger = logging.getLogger("beacon.intake.portal")
# python-multipart logs bytes of malformed input as warnings: the portal's parsers log nothing.
_silent = logging.getLogger("beacon.intake.portal.multipart")
_silent.addHandler(logging.NullHandler())
_silent.propagate = False
_silent.disabled = True

MAX_BODY_BYTES = 32 * 1024 * 1024  # the whole /report request: three 10 MB photos and the text
MAX_FORM_BYTES = 1024 * 1024  # requests without files (and url-encoded /report posts)
MAX_FIELD_BYTES = 256 * 1024  # one text field (the description's limit is 10,000 characters)
MAX_PARTS = 200
MAX_PHOTOS = 3
MAX_ANSWER = 10_000
REPORTS_PER_WINDOW = 10
WRONG_CODES_PER_WINDOW = 10
WINDOW_SECONDS = 10 * 60
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
CONTACT_FIELDS = ("contact_name", "contact_email", "contact_phone", "contact_preference")
WRONG_CODE = (
    "We could not find a report with that code. Check it and try again: it is 24 letters and "
    "numbers, shown in groups of four when you sent your report."
)

# Where each field's error links to (the first input of a group), and the words that name it.
ANCHORS = {
    "narrative": "narrative",
    "location_mode": "location_mode",
    "postcode": "postcode",
    "location_text": "location_text",
    "area_text": "area_text",
    "latitude": "location_mode-point",
    "longitude": "location_mode-point",
    "when_mode": "when_mode",
    "occurred_from": "occurred_from_day",
    "occurred_to": "occurred_to_day",
    "occurred_time": "occurred_time",
    "hints": "hints",
    "contact_choice": "contact_choice",
    "contact_name": "contact_name",
    "contact_email": "contact_email",
    "contact_phone": "contact_phone",
    "contact_preference": "contact_preference",
    "photo": "photo",
    "code": "code",
    "answer": "answer",
}
LABELS = {
    "narrative": "Your description",
    "location_mode": "Where",
    "postcode": "The postcode",
    "location_text": "The street or place",
    "area_text": "The general area",
    "latitude": "The point on the map",
    "longitude": "The point on the map",
    "when_mode": "When",
    "occurred_from": "The date",
    "occurred_to": "The last date",
    "occurred_time": "The time",
    "hints": "What it is about",
    "contact_name": "Your name",
    "contact_email": "Your email address",
    "contact_phone": "Your phone number",
    "contact_preference": "How and when to contact you",
    "photo": "The photo",
    "code": "The code",
    "answer": "Your answer",
}
# The date boxes' hints and their errors give the same example, in the boxes' own form.
DATE_EXAMPLES = {"occurred_from": "27 3 2026", "occurred_to": "30 3 2026"}
DATE_PARTS = ("day", "month", "year")
# "When": the choices whose date boxes are read; the others' boxes are hidden with JavaScript
# and ignored without it.
DATED_WHEN = {"date": ("occurred_from",), "range": ("occurred_from", "occurred_to")}
STATE_WORDS = {
    State.RECEIVED.value: "Received: waiting to be looked at",
    State.SANITISED.value: "Being looked at",
    State.GRADED.value: "Being looked at",
    State.DISSEMINATED.value: "Passed to the people who can act on it",
    State.CLOSED.value: "Closed",
}


# ---------------------------------------------------------------------------------------------
# Refusals: a page with a clear message and a 4xx/5xx status


class Refused(Exception):
    """A request the portal will not process; rendered as ``portal_problem.html``."""

    def __init__(
        self,
        status_code: int,
        title: str,
        message: str,
        *,
        not_received: bool = False,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(title)
        self.status_code = status_code
        self.title = title
        self.message = message
        self.not_received = not_received
        self.retry_after = retry_after


def _too_large(what: str) -> Refused:
    return Refused(
        413,
        "Your report is too large",
        f"{what} Nothing was stored. Go back, make it smaller and send it again.",
        not_received=True,
    )


def _unreadable(detail: str) -> Refused:
    return Refused(
        400,
        "We could not read what your browser sent",
        f"{detail} Nothing was stored. Go back to the form and try again; if it happens again, "
        "try another browser.",
        not_received=True,
    )


def _problem(request: Request, refused: Refused) -> HTMLResponse:
    headers = dict(NO_STORE)
    if refused.retry_after is not None:
        headers["Retry-After"] = str(max(1, int(refused.retry_after + 0.999)))
    return render(
        request,
        "intake/portal_problem.html",
        {
            "title": refused.title,
            "message": refused.message,
            "not_received": refused.not_received,
            "status_code": refused.status_code,
        },
        status_code=refused.status_code,
        headers=headers,
    )


def _page(
    request: Request, template: str, context: dict[str, Any], *, status_code: int = 200
) -> HTMLResponse:
    return render(
        request, f"intake/{template}", context, status_code=status_code, headers=dict(NO_STORE)
    )


# ---------------------------------------------------------------------------------------------
# Who is asking: only whether the post is cross-site, and a rate-limit key


def _cross_site(request: Request) -> bool:
    """True for a post another site made the browser send (CSRF without a cookie)."""
    site = request.headers.get("sec-fetch-site", "").lower()
    if site in ("cross-site", "same-site"):
        return True
    if site in ("same-origin", "none"):
        return False
    # Older browsers: compare Origin with Host. "null" is what a page with
    # Referrer-Policy: no-referrer sends for its own forms, so it cannot be refused.
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return False
    return urlsplit(origin).netloc.lower() != request.headers.get("host", "").lower()


def _refuse_cross_site(request: Request) -> None:
    if _cross_site(request):
        raise Refused(
            403,
            "This form must be sent from this site",
            "The form was sent from another website, so it was not accepted and nothing was "
            "stored. Open the form on this site and send it from there.",
            not_received=True,
        )


def _client(request: Request) -> str:
    # Only ever the rate limiters' (HMAC-ed, in-memory) key: never logged or stored.
    return request.client.host if request.client else "unknown"


_limiter_lock = threading.Lock()


def _limiter(request: Request, name: str, limit: int) -> RotatingClientLimiter:
    state = request.app.state
    with _limiter_lock:
        found: RotatingClientLimiter | None = getattr(state, name, None)
        if found is None:
            found = RotatingClientLimiter(limit=limit, window_seconds=WINDOW_SECONDS)
            setattr(state, name, found)
    return found


def report_limiter(request: Request) -> RotatingClientLimiter:
    return _limiter(request, "portal_report_limiter", REPORTS_PER_WINDOW)


def code_limiter(request: Request) -> RotatingClientLimiter:
    return _limiter(request, "portal_code_limiter", WRONG_CODES_PER_WINDOW)


def _too_many(wait: float, what: str) -> Refused:
    minutes = max(1, int(wait // 60 + (1 if wait % 60 else 0)))
    return Refused(
        429,
        "Please wait before trying again",
        f"{what} from your connection in a short time, so we have paused this for "
        f"{minutes} minute{'s' if minutes != 1 else ''}. Nothing from this attempt was "
        "stored. If someone is in danger now, call 999.",
        not_received=True,
        retry_after=wait,
    )


# ---------------------------------------------------------------------------------------------
# Reading the form (strict UTF-8, bounded sizes)


@dataclass
class Upload:
    data: bytearray = field(default_factory=bytearray)
    too_large: bool = False


@dataclass
class PortalForm:
    fields: ImmutableMultiDict[str, str]
    uploads: list[Upload]

    def get(self, name: str) -> str:
        return self.fields.get(name) or ""


def _decode(raw: bytes | bytearray) -> str:
    try:
        return bytes(raw).decode("utf-8")
    except UnicodeDecodeError:
        raise _unreadable(
            "Some of the text was not in a form we can read (it was not valid UTF-8)."
        ) from None


async def read_form(request: Request, *, files_allowed: bool) -> PortalForm:
    """The request's form fields (and, where allowed, the ``photo`` files)."""
    limit = MAX_BODY_BYTES if files_allowed else MAX_FORM_BYTES
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            length = int(declared)
        except ValueError:
            raise _unreadable("The request's length was not a number.") from None
        if length > limit:
            raise _too_large(_size_words(limit))
    content_type, params = parse_options_header(request.headers.get("content-type"))
    if content_type == b"multipart/form-data":
        return await _read_multipart(request, params, limit, files_allowed=files_allowed)
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > min(limit, MAX_FORM_BYTES):
            raise _too_large(_size_words(MAX_FORM_BYTES))
    if content_type == b"application/x-www-form-urlencoded":
        return PortalForm(ImmutableMultiDict(_parse_urlencoded(bytes(body))), [])
    if not body and not content_type:
        return PortalForm(ImmutableMultiDict(), [])
    raise _unreadable("The form was not sent in a way we accept.")


def _size_words(limit: int) -> str:
    return f"It is more than {limit // (1024 * 1024)} MB, the most we accept."


def _parse_urlencoded(body: bytes) -> list[tuple[str, str]]:
    try:
        text = body.decode("ascii")  # browsers percent-encode everything else
        pairs = parse_qsl(
            text,
            keep_blank_values=True,
            encoding="utf-8",
            errors="strict",
            max_num_fields=MAX_PARTS,
        )
    except UnicodeDecodeError:
        raise _unreadable(
            "Some of the text was not in a form we can read (it was not valid UTF-8)."
        ) from None
    except ValueError:
        raise _unreadable("The form had far more fields than ours.") from None
    for _, value in pairs:
        if len(value.encode("utf-8")) > MAX_FIELD_BYTES:
            raise _too_large(_field_words())
    return pairs


def _field_words() -> str:
    return (
        "Some of the text is far longer than we accept (a description can be up to "
        f"{MAX_NARRATIVE:,} characters)."
    )


class _MultipartReader:
    """python-multipart callbacks that keep text fields as bytes and photos in memory."""

    def __init__(self, *, files_allowed: bool) -> None:
        self.files_allowed = files_allowed
        self.fields: list[tuple[bytes, bytearray]] = []
        self.uploads: list[Upload] = []
        self._header_name = bytearray()
        self._header_value = bytearray()
        self._disposition = b""
        self._target: bytearray | Upload | None = None
        self._parts = 0

    def callbacks(self) -> dict[str, Callable[..., None]]:
        return {
            "on_part_begin": self.on_part_begin,
            "on_part_data": self.on_part_data,
            "on_part_end": self.on_part_end,
            "on_header_field": self.on_header_field,
            "on_header_value": self.on_header_value,
            "on_header_end": self.on_header_end,
            "on_headers_finished": self.on_headers_finished,
        }

    def on_part_begin(self) -> None:
        self._parts += 1
        if self._parts > MAX_PARTS:
            raise _unreadable("The form had far more fields than ours.")
        self._disposition = b""
        self._target = None

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name.extend(data[start:end])

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value.extend(data[start:end])

    def on_header_end(self) -> None:
        if bytes(self._header_name).lower() == b"content-disposition":
            self._disposition = bytes(self._header_value)
        self._header_name.clear()
        self._header_value.clear()

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self._disposition)
        name = options.get(b"name")
        if name is None:
            raise _unreadable("Part of the form had no name.")
        if b"filename" in options:  # a file input; its file name is never read or kept
            # One photo more than allowed is kept, to say "too many"; others are not read.
            if self.files_allowed and name == b"photo" and len(self.uploads) <= MAX_PHOTOS:
                upload = Upload()
                self.uploads.append(upload)
                self._target = upload
            return
        value = bytearray()
        self.fields.append((name, value))
        self._target = value

    def on_part_end(self) -> None:
        target = self._target
        if isinstance(target, Upload) and not target.data and not target.too_large:
            self.uploads.remove(target)  # an empty file input: no photo chosen
        self._target = None

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        target = self._target
        if target is None:
            return
        if isinstance(target, Upload):
            if target.too_large:
                return
            if len(target.data) + (end - start) > MAX_PHOTO_BYTES:
                target.too_large = True
                target.data = bytearray()
                return
            target.data.extend(data[start:end])
            return
        if len(target) + (end - start) > MAX_FIELD_BYTES:
            raise _too_large(_field_words())
        target.extend(data[start:end])


async def _read_multipart(
    request: Request, params: dict[bytes, bytes], limit: int, *, files_allowed: bool
) -> PortalForm:
    boundary = params.get(b"boundary")
    if not boundary:
        raise _unreadable("The form was sent without its boundary marker.")
    reader = _MultipartReader(files_allowed=files_allowed)
    total = 0
    try:
        parser = MultipartParser(boundary, reader.callbacks())  # type: ignore[arg-type]
        parser.logger = _silent
        async for chunk in request.stream():
            total += len(chunk)
            if total > limit:
                raise _too_large(_size_words(limit))
            parser.write(chunk)
        parser.finalize()
    except FormParserError:
        raise _unreadable("The form data was damaged or incomplete.") from None
    pairs = [(_decode(name), _decode(value)) for name, value in reader.fields]
    return PortalForm(ImmutableMultiDict(pairs), reader.uploads)


# ---------------------------------------------------------------------------------------------
# The report form


def _message(name: str, text: str) -> str:
    """A sentence that names the field ("The postcode is not ...")."""
    label = LABELS.get(name, "This")
    if text.startswith("this "):
        text = f"{label} {text[5:]}"
    elif text.startswith(("must ", "is ", "cannot ")):
        text = f"{label} {text}"
    return text[:1].upper() + text[1:]


@dataclass
class FormState:
    values: dict[str, Any]
    errors: dict[str, str] = field(default_factory=dict)

    def summary(self) -> list[tuple[str, str]]:
        """(anchor id, message) for the error summary, in form order, without repeats."""
        seen: set[tuple[str, str]] = set()
        items = []
        for name in ANCHORS:
            if name in self.errors:
                item = (ANCHORS[name], self.errors[name])
                if item not in seen:
                    seen.add(item)
                    items.append(item)
        for name, message in self.errors.items():
            if name not in ANCHORS:
                items.append((name, message))
        return items


_TEXT_FIELDS = (
    "narrative",
    "location_mode",
    "postcode",
    "location_text",
    "area_text",
    "latitude",
    "longitude",
    "when_mode",
    "occurred_from_day",
    "occurred_from_month",
    "occurred_from_year",
    "occurred_to_day",
    "occurred_to_month",
    "occurred_to_year",
    "occurred_time",
    "contact_choice",
    *CONTACT_FIELDS,
)


def _values(form: PortalForm) -> dict[str, Any]:
    values: dict[str, Any] = {name: form.get(name) for name in _TEXT_FIELDS}
    values["hints"] = form.fields.getlist("hints")
    return values


def _inferred(values: dict[str, Any]) -> dict[str, Any]:
    """What ``parse_resident_form`` reads, from what the page sent.

    Without JavaScript every option's inputs are visible, so a resident may fill in a postcode
    and not tick "postcode": the way they said where (and when) is inferred from what they
    filled in. The place text belongs to the option chosen: a street typed before choosing
    "I'd rather not say precisely" is dropped, not kept."""
    data = dict(values)
    mode = clean_text(values["location_mode"])
    if not mode:
        if clean_text(values["postcode"]):
            mode = "postcode"
        elif clean_text(values["location_text"]):
            mode = "street"
        elif clean_text(values["latitude"]) and clean_text(values["longitude"]):
            mode = "point"
        else:
            mode = "withheld"
    data["location_mode"] = mode
    if mode == "withheld":
        data["location_text"] = values["area_text"]
    elif mode != "street":
        data["location_text"] = ""
    when = clean_text(values["when_mode"])
    if not when:
        has_to = any(clean_text(values[f"occurred_to_{p}"]) for p in ("day", "month", "year"))
        has_from = any(clean_text(values[f"occurred_from_{p}"]) for p in ("day", "month", "year"))
        when = "range" if has_to else "date" if has_from else "unknown"
    data["when_mode"] = when
    read = DATED_WHEN.get(when, ())
    for prefix in ("occurred_from", "occurred_to"):
        if prefix not in read:
            for part in DATE_PARTS:
                data[f"{prefix}_{part}"] = ""
    return data


def _date_problem(data: dict[str, Any], prefix: str) -> str | None:
    """The GOV.UK date input's message for day/month/year boxes that do not make a real date
    (None when they do, or are all empty: whether a date is needed is the parser's call)."""
    parts = {part: clean_text(data.get(f"{prefix}_{part}")) for part in DATE_PARTS}
    if not any(parts.values()):
        return None
    label = LABELS[prefix]
    missing = [part for part in DATE_PARTS if not parts[part]]
    if missing:
        return f"{label} must include a {' and a '.join(missing)}"
    real = f"{label} must be a real date, for example {DATE_EXAMPLES[prefix]}"
    if not all(value.isascii() and value.isdigit() for value in parts.values()):
        return real
    if len(parts["year"]) != 4 or len(parts["day"]) > 2 or len(parts["month"]) > 2:
        return real
    try:
        dt.date(int(parts["year"]), int(parts["month"]), int(parts["day"]))
    except ValueError:
        return real
    return None


def _parse_report(values: dict[str, Any]) -> tuple[ResidentReportIn | None, dict[str, str]]:
    data = _inferred(values)
    errors: dict[str, str] = {}
    parsed: ResidentReportIn | None = None
    form = ImmutableMultiDict(
        [(k, v) for k, v in data.items() if k != "hints"] + [("hints", h) for h in values["hints"]]
    )
    try:
        parsed = parse_resident_form(form, today=service.today())
    except FormErrors as exc:
        for name, message in exc.errors.items():
            if name == "location_text" and data["location_mode"] == "withheld":
                name = "area_text"
            errors[name] = _message(name, message)
    for prefix in DATED_WHEN.get(data["when_mode"], ()):
        problem = _date_problem(data, prefix)
        if problem:  # in the boxes' terms, not the parser's (which reads ISO dates)
            errors[prefix] = problem
    if clean_text(values["contact_choice"]) != "yes" and any(
        clean_text(values[name]) for name in CONTACT_FIELDS
    ):
        errors["contact_choice"] = (
            "You filled in contact details but chose to stay anonymous: choose “Yes” to give "
            "them to us, or clear them to stay anonymous"
        )
    return (None if errors else parsed), errors


async def _clean_photos(uploads: list[Upload]) -> tuple[list[CleanPhoto], str | None]:
    if len(uploads) > MAX_PHOTOS:
        return [], f"Choose up to {MAX_PHOTOS} photos"
    cleaned: list[CleanPhoto] = []
    for number, upload in enumerate(uploads, start=1):
        which = f"Photo {number}: " if len(uploads) > 1 else ""
        if upload.too_large:
            return [], (
                f"{which}The photo is too large; the limit is "
                f"{MAX_PHOTO_BYTES // (1024 * 1024)} MB for each photo"
            )
        try:
            cleaned.append(await run_in_threadpool(clean_photo, bytes(upload.data)))
        except PhotoRejected as exc:
            return [], f"{which}{exc}".rstrip(".")
        finally:
            upload.data = bytearray()
    return cleaned, None


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _receiving_organisation(request: Request) -> str:
    """The name of the organisation that receives reports (NotReady when there is none)."""
    with _runtime(request).sessions() as session:
        return service.intake_organisation(session, _settings(request)).name


_ORGANISATION_TTL = 30.0  # seconds a resolved receiving organisation is reused


def _receiving_organisation_id(request: Request) -> int:
    """The receiving organisation's id, looked up at most every 30 s (NotReady when none)."""
    state = request.app.state
    cached: tuple[float, int] | None = getattr(state, "portal_receiving_organisation", None)
    now = time.monotonic()
    if cached is not None and now - cached[0] < _ORGANISATION_TTL:
        return cached[1]
    with _runtime(request).sessions() as session:
        organisation_id = service.intake_organisation(session, _settings(request)).id
    state.portal_receiving_organisation = (now, organisation_id)
    return organisation_id


def _resolve_place(request: Request, data: ResidentReportIn) -> dict[str, Any]:
    with _runtime(request).sessions() as session:
        return service.resolve_place(session, data.where)


def _not_ready(exc: Exception) -> Refused:
    logger.warning("the resident portal cannot take reports: %s", exc)
    return Refused(
        503,
        "Sorry, we cannot take reports yet",
        "This service has not been set up to receive reports yet, so nothing was stored. "
        "If someone is in danger now, call 999. To report a crime, call the police on 101.",
        not_received=True,
    )


def _form_context(
    request: Request, state: FormState, organisation: str | None, photos_dropped: bool
) -> dict[str, Any]:
    return {
        "values": state.values,
        "errors": state.errors,
        "error_summary": state.summary(),
        "hint_options": [(key, label) for key, (label, _) in RESIDENT_HINTS.items()],
        "organisation": organisation,
        "photos_dropped": photos_dropped,
        "max_photos": MAX_PHOTOS,
        "max_photo_mb": MAX_PHOTO_BYTES // (1024 * 1024),
        "max_narrative": MAX_NARRATIVE,
        "date_examples": DATE_EXAMPLES,
    }


def _empty_values() -> dict[str, Any]:
    values: dict[str, Any] = dict.fromkeys(_TEXT_FIELDS, "")
    values["contact_choice"] = "no"
    values["hints"] = []
    return values


@router.get("/report", response_class=HTMLResponse)
async def report_form(request: Request) -> Response:
    try:
        organisation = await run_in_threadpool(_receiving_organisation, request)
    except service.NotReady as exc:
        return _problem(request, _not_ready(exc))
    state = FormState(values=_empty_values())
    return _page(request, "portal_form.html", _form_context(request, state, organisation, False))


@router.post("/report", response_class=HTMLResponse)
async def submit_report(request: Request) -> Response:
    try:
        return await _submit_report(request)
    except Refused as refused:
        return _problem(request, refused)


async def _submit_report(request: Request) -> Response:
    _refuse_cross_site(request)
    wait = report_limiter(request).attempt(_client(request))
    if wait is not None:
        raise _too_many(wait, "We have had several reports")
    form = await read_form(request, files_allowed=True)
    values = _values(form)
    parsed, errors = _parse_report(values)
    photos, photo_error = await _clean_photos(form.uploads)
    if photo_error:
        errors["photo"] = photo_error
    if errors or parsed is None:
        state = FormState(values=values, errors=errors)
        # The same words as the first time: the partnership's name, not a stand-in.
        try:
            organisation = await run_in_threadpool(_receiving_organisation, request)
        except service.NotReady:
            organisation = None
        context = _form_context(request, state, organisation, photos_dropped=bool(form.uploads))
        return _page(request, "portal_form.html", context, status_code=422)
    submitted = await _store(request, parsed, photos)
    return _page(
        request,
        "portal_received.html",
        {
            "code": submitted.resident_code,
            "with_contact": parsed.contact is not None,
            "photos": len(photos),
        },
    )


async def _store(
    request: Request, data: ResidentReportIn, photos: list[CleanPhoto]
) -> service.Submitted:
    """Write the report through the group-commit writer; return only once it is durable."""
    store = PhotoStore(service.photo_directory())
    saved: list[str] = []
    stored: list[StoredPhoto] = []

    # The slow parts happen here, in parallel worker threads, not in the single writer.
    try:
        organisation_id = await run_in_threadpool(_receiving_organisation_id, request)
        code = await run_in_threadpool(prepare_resident_code)
        place = await run_in_threadpool(_resolve_place, request, data)
        # Files are written (and fsynced) before the rows that name them, outside the writer,
        # so a retried batch never writes a file twice; removed below if the rows fail.
        for photo in photos:
            kept = await run_in_threadpool(store.store, photo)
            saved.append(kept.name)
            stored.append(kept)
    except service.NotReady as exc:
        for name in saved:
            store.delete(name)
        raise _not_ready(exc) from None
    except Exception as exc:
        for name in saved:
            store.delete(name)
        logger.error("a resident report could not be prepared (%s)", type(exc).__name__)
        raise _not_received() from None

    def unit(session: Session) -> service.Submitted:
        return service.create_resident_report(
            session,
            data=data,
            organisation_id=organisation_id,
            code=code,
            place=place,
            stored_photos=stored,
        )

    def forget_files_unless_stored(done: Future[service.Submitted]) -> None:
        if done.cancelled() or done.exception() is not None:
            for name in saved:
                store.delete(name)

    try:
        future = request.app.state.intake_writer.submit(unit)
    except (WriterStopped, AttributeError):
        raise _not_received() from None
    future.add_done_callback(forget_files_unless_stored)
    try:
        result: service.Submitted = await asyncio.wrap_future(future)
    except service.NotReady as exc:
        raise _not_ready(exc) from None
    except Exception as exc:
        # The type only: a database error's message can carry what the resident wrote.
        logger.error("a resident report could not be stored (%s)", type(exc).__name__)
        raise _not_received() from None
    return result


def _not_received() -> Refused:
    return Refused(
        503,
        "Sorry, your report was not received",
        "Something went wrong on our side and your report was NOT stored. Please go back and "
        "send it again in a few minutes. If someone is in danger now, call 999.",
        not_received=True,
    )


# ---------------------------------------------------------------------------------------------
# Keep in contact


@dataclass(frozen=True)
class ContactView:
    report_id: str
    received_on: str
    state: str
    closed: bool
    messages: list[dict[str, str]]


def _contact_view(session: Session, report: IntelReport) -> ContactView:
    messages = []
    for message in service.reporter_messages(session, report):
        to_reporter = message.direction == "to_reporter"
        messages.append(
            {
                "who": "Question from the officer" if to_reporter else "Your answer",
                "kind": "question" if to_reporter else "answer",
                "text": (message.sanitised_body or message.body) if to_reporter else message.body,
                "date": f"{message.created_on.day} {message.created_on:%B %Y}",
            }
        )
    day = report.received_on
    return ContactView(
        report_id=report.id,
        received_on=f"{day.day} {day:%B %Y}",
        state=STATE_WORDS.get(report.state, "Received"),
        closed=report.state == State.CLOSED.value or report.erased,
        messages=messages,
    )


def _open_by_code(request: Request, code: str) -> ContactView | None:
    with _runtime(request).sessions() as session:
        report = service.find_by_code(session, code)
        return None if report is None else _contact_view(session, report)


def _code_page(request: Request, code: str, error: str | None) -> HTMLResponse:
    errors = {"code": error} if error else {}
    return _page(
        request,
        "portal_contact.html",
        {
            "values": {"code": code},
            "errors": errors,
            "error_summary": [(ANCHORS[k], v) for k, v in errors.items()],
        },
        status_code=422 if error else 200,
    )


def _messages_page(
    request: Request, code: str, view: ContactView, *, answer: str = "", error: str | None = None
) -> HTMLResponse:
    errors = {"answer": error} if error else {}
    return _page(
        request,
        "portal_messages.html",
        {
            "code": code,
            "view": view,
            "values": {"answer": answer},
            "errors": errors,
            "error_summary": [(ANCHORS[k], v) for k, v in errors.items()],
            "max_answer": MAX_ANSWER,
        },
        status_code=422 if error else 200,
    )


async def _check_code(request: Request, code: str) -> ContactView | None:
    """The report the code opens, counting a wrong code against the client."""
    limiter = code_limiter(request)
    view = await run_in_threadpool(_open_by_code, request, code)
    if view is None:
        limiter.record(_client(request))
    return view


def _refuse_if_guessing(request: Request) -> None:
    wait = code_limiter(request).check(_client(request))
    if wait is not None:
        raise _too_many(wait, "There have been several attempts with codes we did not recognise")


@router.get("/report/contact", response_class=HTMLResponse)
async def contact_form(request: Request) -> Response:
    return _code_page(request, "", None)


@router.post("/report/contact", response_class=HTMLResponse)
async def contact_open(request: Request) -> Response:
    try:
        _refuse_cross_site(request)
        _refuse_if_guessing(request)
        form = await read_form(request, files_allowed=False)
        code = clean_text(form.get("code"))[:100]
        if not code:
            return _code_page(
                request, "", "Enter the code you were given when you sent your report"
            )
        view = await _check_code(request, code)
        if view is None:
            return _code_page(request, code, WRONG_CODE)
        return _messages_page(request, code, view)
    except Refused as refused:
        return _problem(request, refused)


@router.post("/report/contact/answer", response_class=HTMLResponse)
async def contact_answer(request: Request) -> Response:
    try:
        return await _contact_answer(request)
    except Refused as refused:
        return _problem(request, refused)


async def _contact_answer(request: Request) -> Response:
    _refuse_cross_site(request)
    _refuse_if_guessing(request)
    form = await read_form(request, files_allowed=False)
    code = clean_text(form.get("code"))[:100]
    answer = clean_text(form.get("answer"))
    if not code:
        return _code_page(request, "", "Enter the code you were given when you sent your report")
    view = await _check_code(request, code)
    if view is None:
        return _code_page(request, code, WRONG_CODE)
    if view.closed:
        return _messages_page(request, code, view)
    if not answer:
        return _messages_page(request, code, view, error="Write your answer")
    if len(answer) > MAX_ANSWER:
        return _messages_page(
            request,
            code,
            view,
            answer=answer,
            error=f"Your answer must be at most {MAX_ANSWER:,} characters (it has {len(answer):,})",
        )
    report_id = view.report_id

    def unit(session: Session) -> None:
        report = session.get(IntelReport, report_id)
        if report is None:
            raise service.IntakeError("this report is closed and cannot take more answers")
        service.answer_from_reporter(session, report=report, text=answer)

    try:
        future = request.app.state.intake_writer.submit(unit)
    except (WriterStopped, AttributeError):
        raise _answer_not_received() from None
    try:
        await asyncio.wrap_future(future)
    except service.IntakeError as exc:
        text = str(exc)
        return _messages_page(request, code, view, answer=answer, error=text[:1].upper() + text[1:])
    except Exception as exc:
        logger.error("a resident's answer could not be stored (%s)", type(exc).__name__)
        raise _answer_not_received() from None
    return _page(request, "portal_answered.html", {})


def _answer_not_received() -> Refused:
    return Refused(
        503,
        "Sorry, your answer was not received",
        "Something went wrong on our side and your answer was NOT stored. Please go back and "
        "send it again in a few minutes.",
        not_received=True,
    )


# ---------------------------------------------------------------------------------------------
# The map's boundaries (Beacon's own data: no third-party tiles)

MAX_MAP_AREAS = 5000

_geojson_cache: dict[str, tuple[tuple[int, int, int], bytes]] = {}
_geojson_lock = threading.Lock()


def _boundary_fingerprint(session: Session) -> tuple[int, int, int]:
    count, max_id, size = session.execute(
        select(
            func.count(),
            func.coalesce(func.max(AreaBoundary.area_id), 0),
            func.coalesce(func.sum(func.length(AreaBoundary.geometry_wkb)), 0),
        )
        .select_from(AreaBoundary)
        .join(Area, Area.id == AreaBoundary.area_id)
        .where(Area.level == AreaLevel.LSOA.value)
    ).one()
    return int(count), int(max_id), int(size)


def areas_geojson(session: Session) -> bytes:
    """The LSOA boundaries of the latest loaded vintage, simplified, as GeoJSON (cached)."""
    key = session.get_bind().engine.url.render_as_string(hide_password=True)
    fingerprint = _boundary_fingerprint(session)
    with _geojson_lock:
        cached = _geojson_cache.get(key)
        if cached is not None and cached[0] == fingerprint:
            return cached[1]
    body = _build_geojson(session)
    with _geojson_lock:
        _geojson_cache[key] = (fingerprint, body)
    return body


def _build_geojson(session: Session) -> bytes:
    vintages = session.scalars(
        select(Area.vintage)
        .join(AreaBoundary, AreaBoundary.area_id == Area.id)
        .where(Area.level == AreaLevel.LSOA.value)
        .distinct()
    ).all()
    if vintages:
        latest = max(vintages, key=lambda v: (len(v), v))
        rows = session.execute(
            select(Area.code, Area.name, AreaBoundary.geometry_wkb)
            .join(AreaBoundary, AreaBoundary.area_id == Area.id)
            .where(Area.level == AreaLevel.LSOA.value, Area.vintage == latest)
            .order_by(Area.code)
            .limit(MAX_MAP_AREAS + 1)
        ).all()
        if 0 < len(rows) <= MAX_MAP_AREAS:
            return feature_collection([(r[0], r[1], r[2]) for r in rows])
    return feature_collection([])


@router.get("/report/areas.geojson")
async def report_areas(request: Request) -> Response:
    def build() -> bytes:
        with _runtime(request).sessions() as session:
            return areas_geojson(session)

    body = await run_in_threadpool(build)
    return Response(
        body,
        media_type="application/geo+json",
        headers={"Cache-Control": "public, max-age=3600"},
    )
