"""What the privacy notice says StageSlot stores, why and for how long (docs/decisions/0082): one row per
category of the person-data map, its periods read from the same settings erasure and retention obey, so a
changed setting changes the page; the cookies the site sets; the services it hands data to."""

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.db.replica import PIN_COOKIE

from . import person_data as pd


@dataclass(frozen=True)
class NoticeRow:
    what: str
    why: str
    kept: str


def _days(n: int) -> str:
    return ngettext("%(n)d day", "%(n)d days", n) % {"n": n}


def _years(n: int) -> str:
    return ngettext("%(n)d year", "%(n)d years", n) % {"n": n}


def notice_rows() -> list[NoticeRow]:
    """The privacy notice's table, one row per category of the person-data map."""
    grace = _days(settings.STAGESLOT_ACCOUNT_GRACE_DAYS)
    until_closed = _("Until you close your account, then %(grace)s more") % {"grace": grace}
    invoices = _years(settings.STAGESLOT_LEGAL_HOLD_YEARS["invoices"])
    contracts = _years(settings.STAGESLOT_LEGAL_HOLD_YEARS["contracts"])
    contract = _("To run the service you signed up for (GDPR Art. 6(1)(b))")
    rows = {
        pd.PROFILE: NoticeRow(_("Your email address, name, picture, time zone and language"), contract, until_closed),
        pd.SIGN_IN: NoticeRow(
            _("Your password (as a hash), second factors, passkeys, sessions"),
            _("To keep your account safe (GDPR Art. 6(1)(b) and (f))"),
            until_closed,
        ),
        pd.DEVICES: NoticeRow(_("Devices for push messages, API tokens, calendar feeds"), contract, until_closed),
        pd.NOTIFICATIONS: NoticeRow(
            _("Notifications and how you want to receive them"),
            contract,
            _("Read notifications %(read)s, unread ones %(unread)s")
            % {
                "read": _days(settings.STAGESLOT_RETENTION_DAYS["notifications_read"]),
                "unread": _days(settings.STAGESLOT_RETENTION_DAYS["notifications_unread"]),
            },
        ),
        pd.MEMBERSHIPS: NoticeRow(
            _("Your bands, venues and organisations and your role in them"), contract, until_closed
        ),
        pd.AVAILABILITY: NoticeRow(
            _("When you are busy: your rules, blocks and the addresses of calendars you import or connect"),
            contract,
            until_closed,
        ),
        pd.BOOKINGS: NoticeRow(
            _("Requests, offers and bookings you took part in"),
            contract,
            _(
                "As long as the other side keeps its booking; your name is replaced by “Former member” "
                "when your account is erased"
            ),
        ),
        pd.THREADS: NoticeRow(
            _("Messages you write in a booking's thread"),
            contract,
            _("Kept for the other side, signed “Former member” once your account is erased"),
        ),
        pd.GIGS: NoticeRow(_("Answers, set lists, day sheets and guest lists of gigs"), contract, until_closed),
        pd.MONEY: NoticeRow(
            _("Payments, refunds and payouts (card details stay with Stripe)"),
            _("To pay and be paid, and because tax law asks (GDPR Art. 6(1)(b) and (c))"),
            _("%(years)s for accounting records") % {"years": invoices},
        ),
        pd.PAPERS: NoticeRow(
            _("Invoices and signed contracts, with the names, addresses and signature details on them"),
            _("Because commercial and tax law asks (GDPR Art. 6(1)(c))"),
            _("Invoices %(invoices)s, contracts %(contracts)s, shown only to their parties")
            % {
                "invoices": invoices,
                "contracts": contracts,
            },
        ),
        pd.REVIEWS: NoticeRow(
            _("Reviews you write and receive"),
            _("So that bands, venues and clients can trust each other (GDPR Art. 6(1)(f))"),
            _("Kept without your name once your account is erased"),
        ),
        pd.FILES: NoticeRow(_("Files you share in a booking"), contract, _("As long as the booking is kept")),
        pd.STAFF: NoticeRow(
            _("What staff did on the site"),
            _("To answer for how the site is run (GDPR Art. 6(1)(f))"),
            until_closed,
        ),
    }
    used = {entry.category for entry in pd.MAP}
    return [row for category, row in rows.items() if category in used]


@dataclass(frozen=True)
class Cookie:
    name: str
    purpose: str
    kept: str


def notice_cookies() -> list[Cookie]:
    """Every cookie the site sets: all needed for it to work, none for tracking, so no banner."""
    session_days = settings.SESSION_COOKIE_AGE // 86400
    found = [
        Cookie(settings.SESSION_COOKIE_NAME, _("Keeps you signed in"), _days(session_days)),
        Cookie(settings.CSRF_COOKIE_NAME, _("Protects forms against forgery from other sites"), _years(1)),
        Cookie(
            settings.LANGUAGE_COOKIE_NAME,
            _("Remembers the language you picked"),
            _days(settings.LANGUAGE_COOKIE_AGE // 86400)
            if settings.LANGUAGE_COOKIE_AGE
            else _("Until you close the browser"),
        ),
        Cookie("stageslot_zone", _("Remembers your browser's time zone, to show times in it"), _years(1)),
    ]
    if "replica" in settings.DATABASES:
        # core/db/replica.py: set after a change, so the person's next pages show it.
        seconds = settings.DATABASE_REPLICA_PIN_SECONDS
        found.append(
            Cookie(
                PIN_COOKIE,
                _("Shows you your own change at once on the pages you open next"),
                ngettext("%(n)s second", "%(n)s seconds", seconds) % {"n": seconds},
            )
        )
    return found


def notice_processors() -> list[str]:
    """Services that receive data to do their part, as this site is set up."""
    found = [_("Stripe, for card payments (the card details never reach StageSlot)")]
    found.append(_("The mail service that delivers StageSlot's emails"))
    if settings.BOOKING_FILES_S3_BUCKET:
        found.append(_("An S3-compatible storage service, for shared files"))
    if settings.GOOGLE_CLIENT_ID:
        found.append(_("Google, when you connect your Google Calendar"))
    if settings.SENTRY_DSN:
        found.append(_("Sentry, for error reports"))
    return found
