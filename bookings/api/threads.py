"""A booking's message thread and its shared files through the API, on the services and selectors the
booking's page uses (bookings.services.threads, bookings.services.files).

Who may do what, as on the pages: a booking the caller is not part of does not exist for them (404).
The thread is its band's members, the venue's staff or the client (bookings.selectors.threads
thread_can_read); anyone else who sees the booking gets a 403 there. Every person who sees the booking
lists, downloads and shares its files. Files are never deleted: a new version of a document is shared
beside the old one, which stays (as on the page).
"""

import datetime as dt
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Literal

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Path, Query, Router, Schema
from ninja import Status as Answer
from ninja.files import UploadedFile

from accounts.models import ApiToken, User
from accounts.ratelimit import rate_limit_return, rate_limit_take
from core.fields.api_fields import ApiText
from core.files.stored_files import stored_file_response

from ..models import Booking, BookingFile, Message
from ..selectors.bookings import booking_for_viewer
from ..selectors.files import FILE_ORDER, booking_file_of, booking_file_rows
from ..selectors.threads import thread_can_read, thread_message_rows, thread_messages, thread_sides
from ..services import threads
from ..services.files import ALLOWED_WORDS, CONTENT_TYPES, booking_file_add
from .core import (
    COMMON_ERRORS,
    PAGE_DEFAULT,
    PAGE_MAX,
    ApiProblem,
    Page,
    Problem,
    caller,
    field_errors,
    keyset,
    token_auth,
)
from .schemas import utc

router = Router(auth=token_auth)

ONE_ERRORS = dict.fromkeys(COMMON_ERRORS, Problem) | {403: Problem, 404: Problem}
UPLOAD_ERRORS = ONE_ERRORS | {413: Problem}
LAST_ID = 2**63 - 1  # the largest id there can be (a bigint): a longer number is no row of ours
THREAD_RELATED = ("band", "venue", "client")


# ---- Shared -------------------------------------------------------------------------------------


def _booking(uid: uuid.UUID, user: User) -> Booking:
    """The caller's booking; to anyone else it does not exist."""
    booking = booking_for_viewer(uid=uid, user=user, related=THREAD_RELATED)
    if booking is None:
        raise Http404(_("No such booking."))
    return booking


def _thread_booking(uid: uuid.UUID, user: User) -> Booking:
    booking = _booking(uid, user)
    if not thread_can_read(booking=booking, user=user):
        raise ApiProblem(403, _("Only the band, the venue's staff or the client of a booking read its thread."))
    return booking


@contextmanager
def _message_limit(user: User) -> Iterator[None]:
    """The page's per-person limit of messages (STAGESLOT_RATE_LIMITS["message"]) holds for the API
    too: a place is taken first and given back when the block raises (nothing was sent)."""
    wait = rate_limit_take(action="message", who=user.pk)
    if wait:
        detail = _("You have sent too many messages for now; try again in %(wait)s seconds.") % {"wait": wait}
        raise ApiProblem(429, detail, headers={"Retry-After": str(wait)})
    try:
        yield
    except BaseException:
        rate_limit_return(action="message", who=user.pk)
        raise


# ---- Messages -----------------------------------------------------------------------------------


class MessageOut(Schema):
    id: int
    body: str
    author_name: str | None = Field(description="null when the author's account is gone")
    side: str = Field(description='"band", "venue" or "client"; "" for someone no longer in the booking')
    side_label: str = Field(description='"Kellerbar (venue)", "The Night Owls (band)", "Client"')
    mine: bool = Field(description="Whether you wrote it")
    created_at: dt.datetime


class MessagePage(Page):
    items: list[MessageOut]


class MessageIn(Schema):
    # Twice the message's length: a line break sent as "\r\n" counts once (the service counts it).
    body: ApiText(2 * Message.MAX_LENGTH) = Field(
        description=f"Plain text, at most {Message.MAX_LENGTH} characters (line breaks count once)",
        examples=["We load in at six; is the side door open?"],
    )


def message_out(message: Message, user: User) -> MessageOut:
    return MessageOut(
        id=message.pk,
        body=message.body,
        author_name=message.author.name if message.author_id else None,
        side=message.side.key,
        side_label=message.side.label(),
        mine=message.author_id == user.pk,
        created_at=utc(message.created_at),
    )


@router.get("/bookings/{uuid:uid}/messages", response={200: MessagePage, **ONE_ERRORS}, tags=["messages"])
def messages_list(
    request: HttpRequest,
    uid: uuid.UUID,
    after: int = Query(0, ge=0, le=LAST_ID, description="Only the messages after this id (a poll for news)"),
    cursor: str | None = None,
    limit: int = PAGE_DEFAULT,
):
    """The booking's thread, newest message first: for its band's members, the venue's staff or the
    client. Reading here does not mark the thread read (the booking's page and sending a message do)."""
    user = caller(request, ApiToken.Scope.READ)
    booking = _thread_booking(uid, user)
    rows = thread_message_rows(booking=booking, after_id=after)
    messages, next_url = keyset(request, rows, order=("-pk",), cursor=cursor, limit=max(1, min(limit, PAGE_MAX)))
    return {"items": [message_out(m, user) for m in thread_sides(booking, messages)], "next": next_url}


@router.post(
    "/bookings/{uuid:uid}/messages",
    response={201: MessageOut, **ONE_ERRORS},
    tags=["messages"],
)
def message_send(request: HttpRequest, uid: uuid.UUID, body: MessageIn):
    """Write in the booking's thread (any status, also after the gig); everyone else in it is told.
    The same text again within two minutes gives back the message already sent. Too many messages
    in a thread at once is a 429 with Retry-After, and nothing is sent."""
    user = caller(request, ApiToken.Scope.MESSAGES)
    booking = _booking(uid, user)
    with _message_limit(user):
        message = threads.message_post(booking=booking, by=user, body=body.body)
    sent = thread_messages(booking=booking, after_id=message.pk - 1, limit=1)
    return Answer(201, message_out(sent[0], user))


# ---- Files --------------------------------------------------------------------------------------

FileKind = Literal[tuple(BookingFile.Kind.values)]  # type: ignore[valid-type]


class FileOut(Schema):
    id: int
    document: uuid.UUID = Field(description="The same for every version of one document")
    version: int
    latest: bool = Field(description="Whether this is the document's newest version")
    kind: str
    title: str
    original_name: str
    content_type: str
    size: int = Field(description="Bytes")
    side: str = Field(description='Who shared it: "band", "venue", "client" or "headliner"')
    uploaded_by: str | None
    created_at: dt.datetime
    download_url: str


class FilePage(Page):
    items: list[FileOut]


def file_out(request: HttpRequest, booking: Booking, row: BookingFile) -> FileOut:
    return FileOut(
        id=row.pk,
        document=row.document,
        version=row.version,
        latest=row.version >= getattr(row, "latest_version", row.version),
        kind=row.kind,
        title=row.title,
        original_name=row.original_name,
        content_type=row.content_type,
        size=row.size,
        side=row.side,
        uploaded_by=row.uploaded_by.name if row.uploaded_by_id else None,
        created_at=utc(row.created_at),
        download_url=request.build_absolute_uri(f"/api/v1/bookings/{booking.uid}/files/{row.pk}"),
    )


@router.get("/bookings/{uuid:uid}/files", response={200: FilePage, **ONE_ERRORS}, tags=["files"])
def files_list(request: HttpRequest, uid: uuid.UUID, cursor: str | None = None, limit: int = PAGE_DEFAULT):
    """The booking's files – riders, stage plots, set lists, contracts, recordings – every version, in
    the page's order: documents as they were first shared, each newest version first."""
    user = caller(request, ApiToken.Scope.READ)
    booking = _booking(uid, user)
    rows, next_url = keyset(
        request, booking_file_rows(booking=booking), order=FILE_ORDER, cursor=cursor, limit=max(1, min(limit, PAGE_MAX))
    )
    return {"items": [file_out(request, booking, row) for row in rows], "next": next_url}


@router.post("/bookings/{uuid:uid}/files", response={201: FileOut, **UPLOAD_ERRORS}, tags=["files"])
def file_add(
    request: HttpRequest,
    uid: uuid.UUID,
    file: Annotated[UploadedFile, File(description=ALLOWED_WORDS)],
    kind: Annotated[FileKind, Form()],
    title: str = Form("", max_length=200, description="Empty: the file's name"),
    replaces: int | None = Form(None, ge=1, le=LAST_ID, description="A file of this booking: share a new version"),
):
    """Share a file on the booking (multipart/form-data); everyone in it is told and the `file.added`
    webhook event is sent. What a file is comes from its bytes, not its name: anything else is a 422,
    a file over the size limit a 413, and nothing is stored. With `replaces`, a new version of that
    document; the old one stays."""
    user = caller(request, ApiToken.Scope.MESSAGES)
    booking = _booking(uid, user)
    previous = None
    if replaces is not None:
        try:
            previous = booking_file_of(booking=booking, pk=replaces)
        except Http404:
            raise ApiProblem(
                422, _("Some of the input is not valid."), errors={"replaces": [_("Choose a file of this booking.")]}
            ) from None
    try:
        row = booking_file_add(booking=booking, by=user, upload=file, title=title, kind=kind, replaces=previous)
    except ValidationError as exc:
        too_large = [e for e in getattr(exc, "error_dict", {}).get("file", []) if e.code == "too_large"]
        if too_large:
            raise ApiProblem(413, " ".join(too_large[0].messages), errors=field_errors(exc)) from None
        raise
    return Answer(201, file_out(request, booking, row))


DOWNLOAD = {
    "responses": {
        200: {
            "description": "The file's bytes, streamed, as an attachment under its original name",
            "headers": {
                "Content-Disposition": {
                    "description": 'attachment; filename="…" (the name it was shared under)',
                    "schema": {"type": "string"},
                },
                "Content-Length": {"schema": {"type": "integer"}},
            },
            "content": {kind: {"schema": {"type": "string", "format": "binary"}} for kind in CONTENT_TYPES},
        }
    }
}


@router.get(
    "/bookings/{uuid:uid}/files/{int:file_id}",
    response=ONE_ERRORS,
    openapi_extra=DOWNLOAD,
    tags=["files"],
)
def file_download(request: HttpRequest, uid: uuid.UUID, file_id: int = Path(..., ge=1, le=LAST_ID)):
    """One file of the booking, streamed from private storage in chunks (never held whole in memory),
    as an attachment with the type its bytes were found to be. A file listed but no longer in storage
    is a 404 problem saying so (and whom to ask)."""
    user = caller(request, ApiToken.Scope.READ)
    booking = booking_for_viewer(uid=uid, user=user, related=())
    if booking is None:
        raise Http404(_("No such booking."))
    row = booking_file_of(booking=booking, pk=file_id)
    return stored_file_response(row.file, filename=row.original_name, content_type=row.content_type)
