"""What the festivals views share: a service's refusal turned into a message (and a 409 for htmx), a 403,
or errors beside the fields."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest

from bookings.errors import BookingConflict, BookingError

from ..services.errors import FestivalError, FestivalPermissionError

REFUSALS = (FestivalError, BookingError, BookingConflict)


def attempt(request: HttpRequest, call, *, form=None) -> tuple[bool, object]:
    """Run `call()`: (True, its result), or (False, None) with the refusal as a message (and on `form`'s
    fields for a ValidationError, above them for a refusal); a FestivalPermissionError is a 403."""
    try:
        return True, call()
    except FestivalPermissionError as exc:
        raise PermissionDenied(str(exc)) from exc
    except ValidationError as exc:
        if form is not None and hasattr(exc, "error_dict"):
            for name, errors in exc.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        messages.error(request, " ".join(exc.messages))
    except REFUSALS as exc:
        if form is not None:
            form.add_error(None, str(exc))
        else:
            messages.error(request, str(exc))
    return False, None


def form_errors_text(form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)
