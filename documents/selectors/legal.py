"""A party's details on paper: its legal details if it gave them, else what StageSlot knows of it."""

from accounts.models import User
from bands.models import Band
from venues.models import Venue

from ..models import LegalDetails


def _details(details: LegalDetails | None, *, name: str, address: str = "", email: str = "") -> dict:
    """A party as copied onto a document (plain strings and integers, kept in JSON)."""
    if details is None:
        return {
            "legal_name": name,
            "address": address,
            "email": email,
            "tax_number": "",
            "vat_rate_bp": 0,
            "reverse_charge": False,
            "invoice_note": "",
            "complete": False,
        }
    return {
        "legal_name": details.legal_name,
        "address": details.address,
        "email": details.email or email,
        "tax_number": details.tax_number,
        "vat_rate_bp": details.vat_rate_bp,
        "reverse_charge": details.reverse_charge,
        "invoice_note": details.invoice_note,
        "complete": True,
    }


def party_of_band(band: Band) -> dict:
    details = LegalDetails.objects.filter(band_id=band.pk).first()
    place = ", ".join(part for part in (band.city, band.region) if part)
    return _details(details, name=band.name, address=place)


def party_of_venue(venue: Venue) -> dict:
    details = LegalDetails.objects.filter(venue_id=venue.pk).first()
    address = ", ".join(part for part in (venue.address, venue.postcode, venue.city) if part)
    return _details(details, name=venue.name, address=address)


def party_of_user(user: User) -> dict:
    details = LegalDetails.objects.filter(user_id=user.pk).first()
    return _details(details, name=user.name, email=user.email)


# ---- The legal details pages


def legal_details_of(*, band: Band | None = None, venue: Venue | None = None, user: User | None = None):
    """The saved legal details of one band, venue or person, or None."""
    owner = {"band": band} if band is not None else {"venue": venue} if venue is not None else {"user": user}
    return LegalDetails.objects.filter(**owner).first()


def band_by_slug(slug: str) -> Band | None:
    return Band.objects.filter(slug=slug).first()


def venue_by_slug(slug: str) -> Venue | None:
    return Venue.objects.filter(slug=slug).first()
