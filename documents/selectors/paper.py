"""What the booking page's paper card shows: each area adds its part."""

from accounts.models import User
from bookings.models import Booking

from ..services.invoices import paper_card_invoices
from .contracts import contract_card
from .daysheets import day_sheet_card


def paper_card(*, booking: Booking, user: User) -> dict:
    """The card's context, or {} when there is nothing on paper for this viewer."""
    parts: dict = {"booking": booking}
    # Each area fills its key: "contract", "invoices", "day_sheet".
    parts["contract"] = contract_card(booking=booking, user=user)
    parts["day_sheet"] = day_sheet_card(booking=booking)
    parts["invoices"] = paper_card_invoices(booking=booking, user=user)
    shown = [key for key in ("contract", "invoices", "day_sheet") if parts.get(key)]
    return parts if shown else {}
