"""Reads of the treasurer's exports: the members' statements and the band's yearly totals as CSV rows,
built from the same selectors as their pages (payments.selectors: member_statements, band_year_totals),
so a file never says something else than the page. Money in major units beside its currency."""

from django.utils.translation import gettext

from bands.models import Band
from payments.selectors import Period, band_year_totals, member_statements

from ..exports import major, safe_text
from .exports import Export


def _gig_words(booking) -> str:
    if booking.venue_id:
        return booking.venue.name
    if booking.client_id:
        return " · ".join(filter(None, [booking.client.name, booking.event_type]))
    return ""


def band_statements_export(*, band: Band, period: Period, member_id: int | None) -> Export:
    """Each person's statement lines (only `member_id`'s when given): the balance brought forward, each gig
    and payout with the balance after it, and the totals, per currency. Six queries."""
    header = [
        gettext("Person"),
        gettext("Member of the band"),
        gettext("Currency"),
        gettext("Date"),
        gettext("Line"),
        gettext("Gig"),
        gettext("Booking"),
        gettext("Payout method"),
        gettext("Reference"),
        gettext("Owed"),
        gettext("Paid"),
        gettext("Balance"),
    ]
    yes, no = gettext("yes"), gettext("no")
    words = {
        "opening": gettext("Brought forward"),
        "gig": gettext("Gig"),
        "payout": gettext("Payout"),
        "reversal": gettext("Payout reversed"),
        "totals": gettext("Totals"),
    }
    rows = []
    for s in member_statements(band=band, period=period, member_id=member_id):
        who = (safe_text(s.user.name), yes if s.member else no)
        for c in s.currencies:
            rows.append(
                (
                    *who,
                    c.currency,
                    period.start.isoformat(),
                    words["opening"],
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    major(c.opening_minor),
                )
            )
            for line in c.lines:
                if line.booking is not None:
                    b = line.booking
                    rows.append(
                        (
                            *who,
                            c.currency,
                            line.on.isoformat(),
                            words["gig"],
                            safe_text(_gig_words(b)),
                            str(b.uid),
                            "",
                            "",
                            major(line.owed_minor),
                            "",
                            major(line.balance_minor),
                        )
                    )
                else:
                    p = line.payout
                    rows.append(
                        (
                            *who,
                            c.currency,
                            line.on.isoformat(),
                            words["reversal" if p.reverses_id else "payout"],
                            "",
                            "",
                            str(p.get_method_display()),
                            safe_text(p.reference),
                            "",
                            major(line.paid_minor),
                            major(line.balance_minor),
                        )
                    )
            rows.append(
                (
                    *who,
                    c.currency,
                    period.end.isoformat(),
                    words["totals"],
                    "",
                    "",
                    "",
                    "",
                    major(c.owed_minor),
                    major(c.paid_minor),
                    major(c.closing_minor),
                )
            )
    return Export(name=f"{band.slug}-statements-{period.slug}", header=header, rows=rows)


def band_year_export(*, band: Band, period: Period) -> Export:
    """The band's totals per currency over `period` (band_year_totals), one row per currency. Four queries."""
    header = [
        gettext("From"),
        gettext("To"),
        gettext("Currency"),
        gettext("Gigs"),
        gettext("Gross fees"),
        gettext("StageSlot's fee"),
        gettext("Agency's commission"),
        gettext("Band's share"),
        gettext("Paid to members"),
        gettext("Still owed to members"),
        gettext("Paid ahead to members"),
    ]
    rows = [
        (
            period.start.isoformat(),
            period.end.isoformat(),
            t.currency,
            t.gigs,
            major(t.gross_minor),
            major(t.platform_fee_minor),
            major(t.commission_minor),
            major(t.band_share_minor),
            major(t.paid_to_members_minor),
            major(t.owed_to_members_minor),
            major(t.advanced_minor),
        )
        for t in band_year_totals(band=band, period=period)
    ]
    return Export(name=f"{band.slug}-year-{period.slug}", header=header, rows=rows)
