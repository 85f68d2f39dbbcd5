"""The person-data map: every model that can hold a person, what an export of their data takes from it and
what erasing them does to it (docs/decisions/0082). Export, erasure and the privacy page read this one
list; stageslot/tests/test_person_data.py fails when a model that can hold a person is neither an `Entry`
here nor in NOT_PERSONAL with a reason.

An entry's `person` keys are its fields that point at the user, or a path through a row of the person's
(`membership__user`: a member's sections, theirs through their membership). Its rule for the rows that name
the person by one of its `person` keys:
- DELETE: the rows go (what the person kept for themselves: devices, feeds, availability, memberships).
- KEEP: the rows stay, pointing at the tombstone, shown as "Former member" (what they did for a band,
  venue or organisation, or what the other side of a booking keeps: its history, threads, reviews).
- BLANK: the rows stay with `blank` fields emptied.
- SERVICE: `service` (a dotted path, called with user=) does it; the owning app knows how.

What an export takes (docs/decisions/0098): `export`, the fields of every row that names the person by one
of its `person` keys or is addressed to their email (`by_email`), each row with its id; or `no_export`, why
its rows are not in the archive. stageslot/tests/test_export_coverage.py fails when a model with a key to
the user has neither, and finds every such row in a person's archive.

Besides, on every row of the table (not only the person's) where the rules below say so:
- `copies`: fields where what a person typed may sit as text (a day sheet's contact, a log line). What
  StageSlot writes names people by reference (accounts/people.py: a notification's "Sam wrote…", a history
  note's "Sam is busy…"), drawn as "Former member" once they are erased, and what people typed stays as they
  typed it: erasure searches no text for a name (docs/decisions/0131). The one exception is an email field
  among the copies that holds exactly the person's address: it names them alone and is emptied, in any row.
- `tied`: keys to the person that tie a row to them without making it theirs (the actor of someone else's
  notification): listed so that every key to the user is accounted for; erasure changes nothing by them.
- `contacts`: an email field among the copies → the other fields of that contact (a day sheet's band
  contact's name and phone): when the email is exactly the person's address, the whole contact is emptied; or a
  key to the user (a contact picked by account) → the fields typed beside it (its phone), emptied when the key
  is the person's (the key stays, drawn as "Former member").
- `by_email`: email fields of rows addressed to the person who is not (yet) a user (invites): those rows go.
- `hold`: fields kept by law for STAGESLOT_LEGAL_HOLD_YEARS[hold_kind] (invoices, signed contracts): the
  only place a name may stay after erasure, shown only to the parties.
- `plain`: fields of a kind that could hold a person (an email, a file) that here do not, with why.
"""

from dataclasses import dataclass, field

DELETE = "delete"
KEEP = "keep"
BLANK = "blank"
SERVICE = "service"


@dataclass(frozen=True)
class Entry:
    label: str
    category: str
    person: tuple[str, ...] = ()
    erase: str = KEEP
    export: tuple[str, ...] = ()
    blank: tuple[str, ...] = ()
    copies: tuple[str, ...] = ()
    tied: tuple[str, ...] = ()
    by_email: tuple[str, ...] = ()
    hold: tuple[str, ...] = ()
    hold_kind: str = ""
    service: str = ""
    plain: dict[str, str] = field(default_factory=dict)
    no_export: str = ""
    # An email field among the copies → the fields of the same contact (its name, its phone): when the email
    # holds exactly the person's address, the contact is theirs and goes whole (docs/decisions/0131).
    contacts: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def named_fields(self) -> set[str]:
        return {
            *self.person,
            *self.tied,
            *self.export,
            *self.blank,
            *self.copies,
            *self.by_email,
            *self.hold,
            *self.plain,
        }


# Categories, in the people's words (the export's sections and the privacy page's rows).
PROFILE = "profile"
SIGN_IN = "sign_in"
DEVICES = "devices"
NOTIFICATIONS = "notifications"
MEMBERSHIPS = "memberships"
AVAILABILITY = "availability"
BOOKINGS = "bookings"
THREADS = "threads"
GIGS = "gigs"
MONEY = "money"
PAPERS = "papers"
REVIEWS = "reviews"
FILES = "files"
STAFF = "staff"

_NO_PERSON_FILE = "the band's or venue's own pictures, uploaded for it and shown on its page"

MAP: list[Entry] = [
    # --- accounts and sign-in ---------------------------------------------------------------------
    Entry(
        "accounts.User",
        PROFILE,
        erase=SERVICE,
        service="stageslot.privacy.erasure.tombstone",
        export=(
            "email",
            "display_name",
            "time_zone",
            "language",
            "avatar",
            "date_joined",
            "last_login",
            "policy_version",
            "policy_accepted_at",
            "here_for",
        ),
        plain={"password": "a hash, made unusable", "closed_at": "", "erased_at": ""},
    ),
    Entry("accounts.AccountClosure", PROFILE, person=("user",), erase=KEEP, export=("requested_at", "due_at")),
    Entry(
        "accounts.Notification",
        NOTIFICATIONS,
        person=("recipient",),
        erase=DELETE,
        export=("kind", "text", "link", "created_at", "read_at"),
        copies=("text", "data"),
        tied=("actor",),
    ),
    Entry(
        "accounts.DataExport",
        PROFILE,
        export=("state", "created_at", "ready_at", "expires_at"),
        person=("user", "requested_by"),
        erase=SERVICE,
        service="stageslot.privacy.export.data_exports_delete",
        plain={"file": "the archive itself: its file goes with the row"},
    ),
    # Mail in and out (docs/decisions/0080): a suppressed address and the replies a person sent go with them.
    Entry(
        "accounts.MailSuppression",
        NOTIFICATIONS,
        export=("email", "reason", "created_at"),
        by_email=("email",),
        plain={"detail": "the mail service's words on the bounce", "esp": "the mail service's name"},
    ),
    Entry(
        "accounts.InboundMail",
        THREADS,
        export=("sender", "subject", "state", "received_at"),
        by_email=("sender",),
        copies=("subject",),
        plain={
            "raw": "the reply as it came; it goes with its row (the reply itself was posted to the thread)",
            "recipient": "our signed reply address: numbers and a code, no name",
        },
    ),
    # Blocks and reports (docs/decisions/0081): what a person did for a band or venue stays with it; a report
    # stays for staff, the reported account's copied name replaced.
    Entry(
        "accounts.Block",
        PROFILE,
        export=("blocker_kind", "blocked_kind", "created_at"),
        person=("created_by",),
        erase=KEEP,
    ),
    Entry(
        "accounts.Report",
        STAFF,
        person=("reporter", "resolved_by", "claimed_by"),
        erase=KEEP,
        export=("subject_kind", "category", "text", "status", "outcome", "created_at"),
        copies=("account_name", "text", "evidence", "outcome"),
    ),
    Entry("accounts.PushSubscription", DEVICES, person=("user",), erase=DELETE, export=("label", "created_at")),
    # Changes a device sent (made offline, replayed): the answer kept 30 days so a second send counts once.
    Entry("accounts.IdempotencyKey", DEVICES, person=("user",), erase=DELETE, export=("path", "status", "created_at")),
    Entry("accounts.NotificationPreference", NOTIFICATIONS, person=("user",), erase=DELETE, export=("kind", "email")),
    Entry(
        "accounts.ApiToken",
        DEVICES,
        person=("user",),
        erase=DELETE,
        export=("name", "scopes", "prefix", "created_at", "last_used_at", "revoked_at"),
    ),
    Entry("accounts.TwoFactorMethod", SIGN_IN, person=("user",), erase=DELETE, export=("type", "created_at")),
    Entry("mfa.Authenticator", SIGN_IN, person=("user",), erase=DELETE, export=("type", "created_at")),
    Entry("account.EmailAddress", SIGN_IN, person=("user",), erase=DELETE, export=("email", "verified", "primary")),
    Entry("socialaccount.SocialAccount", SIGN_IN, person=("user",), erase=DELETE, export=("provider", "date_joined")),
    Entry(
        "sessions.Session",
        SIGN_IN,
        erase=SERVICE,
        service="stageslot.privacy.erasure.sessions_end",
        no_export="the server's side of a signed-in browser: a key and an expiry, nothing the person gave",
        plain={"session_data": "signed data naming the person by id only; their sessions are deleted"},
    ),
    Entry(
        "admin.LogEntry",
        STAFF,
        export=("action_time", "action_flag", "object_repr", "change_message"),
        person=("user",),
        erase=KEEP,
        copies=("object_repr", "change_message"),
    ),
    # --- availability -----------------------------------------------------------------------------
    Entry(
        "availability.Rule",
        AVAILABILITY,
        person=("user",),
        erase=DELETE,
        export=(
            "title",
            "kind",
            "all_day",
            "start_date",
            "start_time",
            "end_date",
            "end_time",
            "time_zone",
            "rrule",
            "exdates",
        ),
    ),
    Entry("availability.ExternalCalendar", AVAILABILITY, person=("user",), erase=DELETE, export=("name", "url")),
    Entry(
        "availability.BusyInterval",
        AVAILABILITY,
        export=("starts_at", "ends_at", "source", "title"),
        person=("user",),
        erase=DELETE,
    ),
    Entry(
        "calendars.ConnectedCalendar",
        AVAILABILITY,
        person=("user",),
        erase=SERVICE,
        service="calendars.services.connected_calendars_forget",
        export=("name", "provider", "server_url", "account_email", "calendar_names"),
        plain={"account_email": "the connected account's address: the row is deleted with the person"},
    ),
    # --- bands, venues, organisations: the person's places in them go, what they made stays --------
    Entry("bands.Band", MEMBERSHIPS, person=("members",), erase=KEEP, export=("name", "slug")),
    Entry("bands.Membership", MEMBERSHIPS, person=("user",), erase=DELETE, export=("band", "role", "instrument")),
    # The sections a member plays in: theirs through their membership, and gone with it.
    Entry(
        "bands.MembershipSection",
        MEMBERSHIPS,
        person=("membership__user",),
        erase=DELETE,
        export=("membership", "section", "usual"),
    ),
    Entry(
        "bands.BandInvite",
        MEMBERSHIPS,
        export=("band", "role", "uses", "max_uses", "created_at", "expires_at", "revoked_at"),
        person=("created_by",),
        erase=KEEP,
        by_email=("email",),
    ),
    Entry(
        "bands.BandBlock",
        GIGS,
        export=(
            "band",
            "kind",
            "title",
            "all_day",
            "start_date",
            "start_time",
            "end_date",
            "end_time",
            "time_zone",
            "rrule",
            "gig_starts_at",
            "gig_ends_at",
        ),
        person=("created_by",),
        erase=KEEP,
        copies=("title", "lineup", "guests", "absent"),
    ),
    Entry("venues.Venue", MEMBERSHIPS, person=("staff",), erase=KEEP, export=("name", "slug")),
    Entry("venues.VenueStaff", MEMBERSHIPS, person=("user",), erase=DELETE, export=("venue", "role")),
    Entry(
        "venues.VenueInvite",
        MEMBERSHIPS,
        export=("venue", "role", "uses", "max_uses", "created_at", "expires_at", "revoked_at"),
        person=("created_by",),
        erase=KEEP,
        by_email=("email",),
    ),
    Entry(
        "venues.Slot",
        BOOKINGS,
        export=(
            "venue",
            "stage",
            "title",
            "starts_at",
            "ends_at",
            "time_zone",
            "fee",
            "currency",
            "visibility",
            "notes",
            "created_at",
        ),
        person=("created_by",),
        erase=KEEP,
        copies=("notes",),
    ),
    Entry(
        "teams.Organisation",
        MEMBERSHIPS,
        export=("name", "kind", "created_at"),
        person=("created_by",),
        erase=KEEP,
        copies=("email",),
    ),
    Entry("teams.OrgMember", MEMBERSHIPS, person=("user",), erase=DELETE, export=("organisation", "role")),
    Entry(
        "teams.OrgInvite",
        MEMBERSHIPS,
        export=("organisation", "role", "uses", "max_uses", "created_at", "expires_at", "revoked_at"),
        person=("created_by",),
        erase=KEEP,
        by_email=("email",),
    ),
    Entry(
        "teams.Representation",
        MEMBERSHIPS,
        export=(
            "organisation",
            "band",
            "status",
            "message",
            "asked_by",
            "asked_at",
            "answered_by",
            "answered_at",
            "ended_by",
            "ended_at",
        ),
        person=("asked_by", "answered_by", "ended_by"),
        erase=KEEP,
        copies=("message",),
    ),
    Entry(
        "teams.VenueLink",
        MEMBERSHIPS,
        export=(
            "organisation",
            "venue",
            "status",
            "message",
            "asked_by",
            "asked_at",
            "answered_by",
            "answered_at",
            "ended_by",
            "ended_at",
        ),
        person=("asked_by", "answered_by", "ended_by"),
        erase=KEEP,
        copies=("message",),
    ),
    # --- bookings and threads: the other side keeps its history ------------------------------------
    Entry(
        "bookings.Booking",
        BOOKINGS,
        person=("client", "requested_by"),
        erase=KEEP,
        export=(
            "uid",
            "kind",
            "status",
            "starts_at",
            "ends_at",
            "time_zone",
            "fee",
            "message",
            "event_type",
            "location",
        ),
        copies=("message", "status_note", "location", "power_notes", "load_in_notes"),
    ),
    Entry("bookings.RequestGroup", BOOKINGS, export=("uid", "created_at"), person=("client",), erase=KEEP),
    Entry(
        "bookings.Quote",
        BOOKINGS,
        export=(
            "booking",
            "version",
            "side",
            "status",
            "deal",
            "fee_minor",
            "currency",
            "door_percent",
            "ticket_price_minor",
            "set_minutes",
            "message",
            "proposed_by",
            "answered_by",
            "answer_note",
            "answered_at",
            "created_at",
        ),
        person=("proposed_by", "answered_by"),
        erase=KEEP,
        copies=("message", "answer_note", "included_note"),
    ),
    Entry(
        "bookings.BookingEvent",
        BOOKINGS,
        export=("booking", "from_status", "to_status", "note", "actor", "created_at"),
        person=("actor",),
        erase=KEEP,
        copies=("note", "acting_for"),
    ),
    Entry(
        "bookings.OfferInvite",
        BOOKINGS,
        export=("slot", "band_name", "role", "fee", "message", "created_at", "expires_at", "claimed_at", "revoked_at"),
        person=("created_by",),
        erase=KEEP,
        by_email=("email",),
        copies=("message",),
    ),
    Entry(
        "bookings.Message",
        THREADS,
        person=("author",),
        erase=KEEP,
        export=("booking", "body", "created_at"),
        copies=("body",),
    ),
    Entry(
        "bookings.BillMessage", THREADS, person=("author",), erase=KEEP, export=("body", "created_at"), copies=("body",)
    ),
    Entry("bookings.ThreadRead", THREADS, export=("booking", "read_at"), person=("user",), erase=DELETE),
    Entry("bookings.CalendarFeed", DEVICES, person=("user",), erase=DELETE, export=("scope", "created_at")),
    Entry(
        "bookings.ShareLink",
        BOOKINGS,
        export=("band", "label", "created_at", "revoked_at"),
        person=("created_by",),
        erase=KEEP,
        copies=("label",),
    ),
    Entry(
        "bookings.Webhook",
        BOOKINGS,
        export=("band", "venue", "url", "events", "active", "created_at"),
        person=("created_by",),
        erase=KEEP,
    ),
    Entry(
        "bookings.WebhookDelivery",
        BOOKINGS,
        erase=KEEP,
        copies=("body",),
        no_export="a band's or venue's calls to its own server: no key to a person; the webhook itself is exported",
    ),
    Entry(
        "bookings.SavedSearch",
        BOOKINGS,
        export=("band", "label", "filters", "created_at", "paused_at"),
        person=("created_by",),
        erase=KEEP,
        copies=("label",),
    ),
    Entry(
        "bookings.SavedTour",
        BOOKINGS,
        export=("band", "label", "first_day", "last_day", "drive_km", "created_at"),
        person=("created_by",),
        erase=KEEP,
        copies=("label",),
    ),
    Entry(
        "bookings.RescheduleProposal",
        BOOKINGS,
        export=(
            "booking",
            "side",
            "starts_at",
            "ends_at",
            "old_starts_at",
            "old_ends_at",
            "reason",
            "status",
            "proposed_by",
            "answered_by",
            "answer_note",
            "created_at",
            "answered_at",
        ),
        person=("proposed_by", "answered_by"),
        erase=KEEP,
        copies=("reason", "answer_note"),
    ),
    Entry(
        "bookings.BookingFile",
        FILES,
        person=("uploaded_by",),
        erase=KEEP,
        export=("title", "original_name", "file", "created_at"),
    ),
    # --- gigs ----------------------------------------------------------------------------------------
    Entry(
        "gigs.DaySheet",
        GIGS,
        export=("booking", "load_in_at", "soundcheck_at", "doors_at", "curfew_at", "notes", "updated_at"),
        person=("updated_by",),
        erase=KEEP,
        tied=("venue_contact_person", "band_contact_person"),
        contacts={
            "venue_contact_email": ("venue_contact_name", "venue_contact_phone"),
            "band_contact_email": ("band_contact_name", "band_contact_phone"),
            # A contact picked by account (decision 0134): on erasure it reads "Former member", its phone goes.
            "venue_contact_person": ("venue_contact_phone",),
            "band_contact_person": ("band_contact_phone",),
        },
        copies=(
            "venue_contact_name",
            "venue_contact_phone",
            "venue_contact_email",
            "band_contact_name",
            "band_contact_phone",
            "band_contact_email",
            "notes",
        ),
    ),
    Entry(
        "gigs.AdvanceItem",
        GIGS,
        export=("booking", "item", "advanced_at", "note", "due_on"),
        person=("advanced_by",),
        erase=KEEP,
        copies=("note",),
    ),
    Entry("gigs.AdvanceComment", GIGS, person=("author",), erase=KEEP, export=("text",), copies=("text",)),
    Entry(
        "gigs.GuestEntry",
        GIGS,
        export=("booking", "side", "name", "plus_ones", "note", "created_at"),
        person=("added_by",),
        erase=KEEP,
        copies=("name", "note"),
    ),
    Entry(
        "gigs.GigAnswer",
        GIGS,
        person=("member",),
        erase=KEEP,
        export=("booking", "instrument", "part", "required", "answer", "comment", "answered_at"),
        copies=("comment",),
    ),
    Entry(
        "gigs.StandIn",
        GIGS,
        export=("band", "name", "instrument", "notes", "created_at", "archived_at"),
        person=("user", "created_by"),
        erase=KEEP,
        copies=("name", "email", "notes"),
    ),
    Entry(
        "gigs.StandInRequest",
        GIGS,
        export=("booking", "message", "filled_at", "closed_at", "created_at"),
        person=("created_by",),
        erase=KEEP,
        copies=("message",),
    ),
    Entry("gigs.SetList", GIGS, export=("booking", "notes", "updated_at"), person=("updated_by",), erase=KEEP),
    Entry(
        "gigs.Tour",
        GIGS,
        export=("band", "name", "created_at"),
        person=("created_by",),
        erase=KEEP,
        copies=("name",),
        plain={"currency": "a currency code"},
    ),
    Entry(
        "gigs.TourStayGuest",
        GIGS,
        export=("stay", "room", "assigned_at"),
        person=("user",),
        erase=DELETE,
        plain={"room": "a room's number or label"},
    ),
    Entry("gigs.TourFeed", DEVICES, person=("user",), erase=DELETE, export=("tour", "created_at", "renewed_at")),
    # A tour's budget line for someone of its party (a driver's fee): the band's books keep it, "Former member".
    Entry(
        "gigs.TourCost",
        GIGS,
        export=("tour", "kind", "label", "planned_minor", "actual_minor", "created_at"),
        person=("person",),
        erase=KEEP,
        copies=("label",),
    ),
    Entry(
        "gigs.TourInvite",
        GIGS,
        export=("tour", "role", "sees_money", "uses", "created_at", "expires_at", "revoked_at"),
        person=("created_by",),
        erase=KEEP,
        by_email=("email",),
    ),
    Entry(
        "gigs.TourTraveller",
        GIGS,
        export=("tour", "role", "sees_money", "added_at"),
        person=("user",),
        tied=("added_by",),
        erase=DELETE,
    ),
    # --- money and papers ---------------------------------------------------------------------------
    Entry(
        "payments.Checkout",
        MONEY,
        export=("uid", "band", "starts_at", "minutes", "price", "currency", "status", "created_at"),
        person=("client",),
        erase=KEEP,
        copies=("note",),
    ),
    Entry(
        "payments.Payment",
        MONEY,
        person=("payer", "recorded_by"),
        # The payments stay; the payer's customer and saved card at Stripe are deleted there.
        erase=SERVICE,
        service="payments.services.payments.payer_stripe_forget",
        export=("uid", "purpose", "amount_minor", "currency", "status", "created_at"),
        copies=("reference",),
        plain={"stripe_body": "Stripe's answer about a PaymentIntent: amounts and ids, no name or email"},
    ),
    Entry(
        "payments.Refund",
        MONEY,
        export=("uid", "payment", "amount_minor", "currency", "status", "reason", "note", "created_at"),
        person=("by",),
        erase=KEEP,
        copies=("note",),
    ),
    Entry(
        "payments.Payout",
        MONEY,
        export=("band", "amount_minor", "currency", "reference", "note", "created_at"),
        person=("recorded_by",),
        erase=KEEP,
        copies=("note", "reference"),
    ),
    Entry(
        "payments.LedgerEntry",
        MONEY,
        person=("member",),
        erase=KEEP,
        export=("kind", "amount_minor", "currency", "created_at"),
        copies=("memo",),
    ),
    Entry("payments.MemberSplit", MONEY, export=("booking", "percent"), person=("member",), erase=KEEP),
    Entry(
        "payments.MemberPayout",
        MONEY,
        export=("band", "amount_minor", "currency", "paid_on", "method", "reference", "note", "advance", "created_at"),
        person=("member", "recorded_by"),
        erase=KEEP,
        copies=("note", "reference"),
    ),
    Entry(
        "payments.Settlement",
        MONEY,
        export=(
            "booking",
            "status",
            "version",
            "tickets_sold",
            "gross_minor",
            "costs_minor",
            "net_minor",
            "band_amount_minor",
            "currency",
            "note",
            "entered_at",
            "payer_approved_at",
            "band_approved_at",
        ),
        person=("entered_by", "payer_approved_by", "band_approved_by"),
        erase=KEEP,
        copies=("note", "dispute_note"),
    ),
    Entry(
        "payments.SettlementCost",
        MONEY,
        export=("settlement", "kind", "label", "amount_minor", "added_at"),
        person=("added_by",),
        erase=KEEP,
        copies=("label",),
    ),
    Entry(
        "payments.SettlementBonus",
        MONEY,
        export=("settlement", "tickets", "amount_minor", "added_at"),
        person=("added_by",),
        erase=KEEP,
    ),
    Entry(
        "documents.LegalDetails",
        PAPERS,
        person=("user",),
        erase=DELETE,
        export=("legal_name", "address", "email", "tax_number"),
    ),
    Entry(
        "documents.ContractTemplate",
        PAPERS,
        export=("band", "venue", "clauses", "additions", "updated_at"),
        person=("updated_by",),
        erase=KEEP,
    ),
    Entry(
        "documents.Contract",
        PAPERS,
        person=("created_by",),
        erase=KEEP,
        export=("booking", "status", "created_at"),
        hold=("content", "other_side"),
        hold_kind="contracts",
    ),
    Entry(
        "documents.ContractSignature",
        PAPERS,
        person=("signer",),
        erase=KEEP,
        export=("full_name", "signed_at"),
        hold=("full_name", "ip_address", "user_agent"),
        hold_kind="contracts",
    ),
    Entry(
        "documents.Invoice",
        PAPERS,
        person=("recipient",),
        erase=KEEP,
        export=("number", "kind", "total_minor", "currency", "issued_at"),
        hold=("content",),
        hold_kind="invoices",
        copies=("email_error",),
    ),
    Entry(
        "documents.RenderedPdf",
        PAPERS,
        erase=SERVICE,
        service="stageslot.privacy.erasure.rendered_pdfs_clear",
        no_export="drawn PDFs by content: the person's invoices and signed contracts are in the archive's files/",
        hold=("data",),
        hold_kind="invoices",
    ),
    # --- reviews: kept, unnamed ---------------------------------------------------------------------
    Entry(
        "reviews.Review",
        REVIEWS,
        person=("client", "author", "reply_author"),
        erase=KEEP,
        export=("booking", "author_side", "subject_side", "overall", "text", "reply_text", "created_at"),
        copies=("text", "reply_text"),
    ),
    Entry(
        "reviews.ReviewReport",
        REVIEWS,
        export=("review", "reason", "created_at", "resolved_at"),
        person=("reporter",),
        erase=KEEP,
        copies=("reason",),
    ),
    Entry(
        "reviews.ModerationLog",
        STAFF,
        export=("review", "action", "reason", "created_at"),
        person=("staff",),
        erase=KEEP,
        copies=("reason",),
    ),
    # --- fans: what a person follows and asks for, their own; gone with them --------------------------
    Entry(
        "fans.FanProfile",
        PROFILE,
        person=("user",),
        erase=DELETE,
        export=("city", "radius_km", "any_distance", "weekly", "created_at"),
        plain={"feed_token": "the secret address of the person's own feed; goes with the row"},
    ),
    Entry("fans.Follow", PROFILE, person=("user",), erase=DELETE, export=("band", "venue", "created_at")),
    Entry("fans.Ask", PROFILE, person=("user",), erase=DELETE, export=("band", "city", "created_at")),
    Entry("fans.ShowAlert", NOTIFICATIONS, person=("user",), erase=DELETE, export=("slot", "created_at")),
    # --- holds --------------------------------------------------------------------------------------
    Entry(
        "holds.Hold",
        BOOKINGS,
        export=("venue", "stage", "band", "date", "starts_at", "ends_at", "level", "status", "note", "created_at"),
        person=("held_by",),
        erase=KEEP,
        copies=("note",),
    ),
    Entry(
        "holds.HoldEvent",
        BOOKINGS,
        export=("hold", "what", "level", "note", "created_at"),
        person=("actor",),
        erase=KEEP,
        copies=("note",),
    ),
    Entry(
        "holds.HoldRequest",
        BOOKINGS,
        export=(
            "organisation",
            "band",
            "venue",
            "date",
            "starts_at",
            "ends_at",
            "note",
            "status",
            "answered_at",
            "created_at",
        ),
        person=("asked_by", "answered_by"),
        erase=KEEP,
        copies=("note",),
    ),
    Entry(
        "holds.ClosedDay",
        BOOKINGS,
        export=("venue", "date", "note", "created_at"),
        person=("closed_by",),
        erase=KEEP,
        copies=("note",),
    ),
    # --- festivals ----------------------------------------------------------------------------------
    Entry(
        "festivals.Festival",
        BOOKINGS,
        export=("name", "first_day", "last_day", "published", "created_at"),
        person=("created_by",),
        erase=KEEP,
    ),
    Entry(
        "festivals.Placement",
        BOOKINGS,
        export=("festival", "band", "starts_at", "ends_at", "cancelled_at", "created_at"),
        person=("created_by",),
        erase=KEEP,
    ),
    Entry(
        "festivals.OpenCall",
        BOOKINGS,
        export=("title", "first_day", "last_day", "deadline", "status", "created_at"),
        person=("created_by",),
        erase=KEEP,
        copies=("description",),
    ),
    # An application is the band's: who sent it is kept as "Former member"; what it says is the band's words.
    Entry(
        "festivals.Application",
        BOOKINGS,
        export=("call", "band", "status", "pitch", "fee", "created_at"),
        person=("submitted_by",),
        erase=KEEP,
        copies=("pitch", "blind_text", "answers", "reject_message"),
    ),
    # A juror's place and scores are their own work for the organisation: kept, shown as "Former member".
    Entry("festivals.Juror", BOOKINGS, export=("call", "created_at"), person=("user",), erase=KEEP),
    Entry("festivals.Score", BOOKINGS, person=("juror",), erase=KEEP, export=("values", "comment")),
    Entry(
        "bookings.RadiusClause",
        BOOKINGS,
        export=("booking", "band", "km", "days_before", "days_after", "created_at"),
        person=("created_by",),
        erase=KEEP,
    ),
    Entry(
        "bookings.RadiusWaiver",
        BOOKINGS,
        export=("clause", "day", "text", "created_at"),
        person=("created_by",),
        erase=KEEP,
        copies=("text",),
    ),
]

# Models with a field that could hold a person but does not, with why.
NOT_PERSONAL: dict[str, str] = {
    "auth.Permission": "Django's permission names",
    "auth.Group": "staff groups' names",
    "contenttypes.ContentType": "Django's model names",
    "account.EmailConfirmation": "a key of an email address row; goes with it",
    "socialaccount.SocialApp": "the operator's sign-in providers' settings",
    "socialaccount.SocialToken": "a token of a social account row; goes with it",
    "stageslot.PeriodicRun": "claims of periodic task runs",
    "places.City": "the gazetteer",
    "accounts.MailEvent": "the mail service's delivery events: the recipient only as a keyed digest",
    "accounts.RateCount": "rate-limit counts by key, gone when their window ends (within an hour)",
    "accounts.LimitsCacheEntry": "rate-limit cache entries, gone when they expire",
    "bands.Genre": "genre names",
    "bands.Section": "the names of a band's sections",
    "festivals.Release": "a festival's published timetable: acts, stages and times, no person",
    "bands.BandPhoto": _NO_PERSON_FILE,
    "bands.BandEmbed": "a band's embedded players' addresses",
    "bands.Package": "what a band offers and its price",
    "venues.Stage": "a venue's stages",
    "venues.VenuePhoto": _NO_PERSON_FILE,
    "venues.Ticket": "ticket links of a show",
    "gigs.StandInAsk": "a token of a stand-in row; goes with it",
    "gigs.Song": "a band's songs",
    "gigs.GigDeadline": "a gig's answer-by date and whether its answers are locked",
    "gigs.TourGig": "which tour a booking belongs to",
    "gigs.TourRate": "a tour's exchange rates: the band's figures, set by no one in particular",
    "gigs.TourStay": "a tour's hotel bookings, the band's own record of its trip",
    "gigs.SetListEntry": "a set list's lines",
    "payments.StripeEvent": "ids of Stripe events applied once",
    "documents.InvoiceSeries": "invoice number series",
    "embeds.EmbedStyle": "a widget's colours",
    "festivals.FestivalStage": "a festival's stages and their hours",
    "festivals.Question": "a call's questions",
    "calendars.GrantRevocation": "an encrypted Google token still to be revoked, with no key to anyone",
    "bookings.JobMark": "how far a periodic job has read: its name and a moment",
}

ENTRIES: dict[str, Entry] = {entry.label: entry for entry in MAP}


def legal_hold_fields() -> set[tuple[str, str]]:
    """(model label, field) of every field kept by law after erasure."""
    return {(entry.label, name) for entry in MAP for name in entry.hold}
