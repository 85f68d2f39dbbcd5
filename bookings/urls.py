"""Every route of the bookings app, by area. Mounted at the site root, so each path is written whole."""

from django.urls import path, re_path

from .views import (
    alerts,
    blocks,
    book,
    detail,
    email_actions,
    feeds,
    files,
    finder,
    inbox,
    life,
    public,
    quotes,
    reports,
    requests,
    share,
    shows,
    threads,
    tours,
    venue_slots,
    webhooks,
)

app_name = "bookings"

SLOT = "venues/<slug:slug>/manage/slots/<int:pk>/"

urlpatterns = [
    # Inbox: every booking the viewer is part of
    path("bookings/", inbox.inbox, name="inbox"),
    # Detail: one booking and what its participants may do to it
    path("bookings/<uuid:uid>/", detail.detail, name="detail"),
    path("bookings/<uuid:uid>/accept/", detail.accept, name="accept"),
    path("bookings/<uuid:uid>/stand-in/", detail.stand_in, name="stand_in"),
    path("bookings/<uuid:uid>/decline/", detail.decline, name="decline"),
    path("bookings/<uuid:uid>/withdraw/", detail.withdraw, name="withdraw"),
    path("bookings/<uuid:uid>/cancel/", detail.cancel, name="cancel"),
    path("bookings/<uuid:uid>/gig-times/", detail.gig_times, name="gig_times"),
    path("bookings/<uuid:uid>/played/", detail.played, name="played"),
    # Deal terms: propose or counter, accept or decline
    path("bookings/<uuid:uid>/quotes/new/", quotes.quote_new, name="quote_new"),
    path("bookings/<uuid:uid>/quotes/<int:pk>/<str:action>/", quotes.quote_answer, name="quote_answer"),
    # The gig's life: files both sides share, new times proposed and answered, a dispute after the gig
    path("bookings/<uuid:uid>/files/", files.booking_files, name="files"),
    path("bookings/<uuid:uid>/files/<int:pk>/", files.booking_file_download, name="file_download"),
    path("bookings/<uuid:uid>/files/<int:pk>/road/", files.booking_file_road, name="file_road"),
    path("bookings/<uuid:uid>/reschedule/", life.reschedule, name="reschedule"),
    path("bookings/<uuid:uid>/reschedule/<int:pk>/<str:action>/", life.reschedule_answer, name="reschedule_answer"),
    path("bookings/<uuid:uid>/dispute/", life.dispute, name="dispute"),
    # Threads (HTMX): the messages after a given one (polled), and sending one
    path("bookings/<uuid:uid>/messages/", threads.thread, name="thread"),
    path("bookings/<uuid:uid>/messages/new/", threads.message_post, name="message_post"),
    # Email actions: the signed Accept / Decline links of a notification email, a confirmation page first
    path("bookings/act/<str:token>/", email_actions.email_action, name="email_action"),
    # Requests: a client asks a band for a private event; HTMX: is the band free at the typed times
    path("bands/<slug:slug>/request/", requests.request_band, name="request"),
    path("bands/<slug:slug>/request/check/", requests.request_check, name="request_check"),
    # One request to up to five bands: the shortlist it goes to, its form (HTMX: who is free then), and
    # the client's comparison of the bands' answers and quotes
    path("requests/new/", requests.request_many, name="request_many"),
    path("requests/shortlist/", requests.request_shortlist, name="request_shortlist"),
    path("requests/<uuid:uid>/", requests.request_group, name="request_group"),
    # Booking a band: the guided four steps (instant for instant packages), and its packages with the strip
    path("bands/<slug:slug>/book/", book.book, name="book"),
    path("bands/<slug:slug>/book/availability/", book.band_strip_page, name="band_strip"),
    # Finder: open slots for bands, one slot's page, applying
    path("slots/", finder.gig_finder, name="gig_finder"),
    path("slots/<int:pk>/", finder.slot_detail, name="slot_detail"),
    path("slots/<int:pk>/apply/", finder.booking_apply, name="apply"),
    # Tours: a band's leaders and admins plan a route of open slots and apply to its stops
    path("bands/<slug:slug>/manage/tour/", tours.tour_planner, name="tour_planner"),
    path("bands/<slug:slug>/manage/tour/apply/", tours.tour_apply_stops, name="tour_apply"),
    path("bands/<slug:slug>/manage/tour/keep/", tours.tour_keep, name="tour_keep"),
    path("bands/<slug:slug>/manage/tour/kept/<int:pk>/delete/", tours.tour_forget, name="tour_forget"),
    # Alerts: a band's saved finder searches (and keeping the finder's current one)
    path("slots/alerts/", alerts.saved_searches, name="saved_searches"),
    path("slots/alerts/<int:pk>/delete/", alerts.saved_search_delete, name="saved_search_delete"),
    path("slots/alerts/<int:pk>/pause/", alerts.saved_search_pause, name="saved_search_pause"),
    # Shows: hosting one, My shows, a show's public page and calendar file, applying for support,
    # managing it (applicants, tickets, who fills the support places); a band's and a venue's shows
    path("shows/new/", shows.show_new, name="show_new"),
    path("shows/mine/", shows.shows_mine, name="shows_mine"),
    path("shows/<int:pk>/", shows.show_detail, name="show_detail"),
    path("shows/<int:pk>/calendar.ics", shows.show_ics, name="show_ics"),
    path("shows/<int:pk>/apply/", shows.show_apply, name="show_apply"),
    path("shows/<int:pk>/bill/", shows.show_bill, name="show_bill"),
    path("shows/<int:pk>/manage/", shows.show_manage, name="show_manage"),
    path("shows/<int:pk>/manage/tickets/", shows.show_tickets, name="show_tickets"),
    path("shows/<int:pk>/manage/support/ask/", shows.show_support_ask, name="show_support_ask"),
    path("shows/<int:pk>/manage/support/", shows.show_support_picker, name="show_support_picker"),
    path("shows/<int:pk>/manage/running-order/", shows.show_running_order, name="show_running_order"),
    path("shows/<int:pk>/manage/cancel/", shows.show_cancel, name="show_cancel"),
    path("shows/<int:pk>/manage/applicants/<uuid:uid>/<str:action>/", shows.show_answer, name="show_answer"),
    path("bands/<slug:slug>/shows/", shows.band_show_list, name="band_shows"),
    path("venues/<slug:slug>/whats-on/", shows.venue_whats_on_page, name="venue_whats_on"),
    # Venue slots: a venue's slots, applications and offers (owners and bookers); offers by email
    path("venues/<slug:slug>/manage/slots/", venue_slots.venue_slots, name="venue_slots"),
    path("venues/<slug:slug>/manage/slots/new/", venue_slots.venue_slot_new, name="venue_slot_new"),
    path("venues/<slug:slug>/manage/slots/series/", venue_slots.venue_slot_series, name="venue_slot_series"),
    path(SLOT, venue_slots.slot_manage, name="slot_manage"),
    path(f"{SLOT}cancel/", venue_slots.slot_cancel, name="slot_cancel"),
    path(f"{SLOT}offer/", venue_slots.slot_offer, name="slot_offer"),
    path(f"{SLOT}offer/email/", venue_slots.slot_offer_invite, name="slot_offer_invite"),
    path("venues/<slug:slug>/manage/applications/", venue_slots.venue_applications, name="venue_applications"),
    path("bands/<slug:slug>/offer/", venue_slots.offer_band, name="offer_band"),
    path("offers/<str:token>/", venue_slots.offer_claim, name="offer_claim"),
    # HTMX: the inbox buttons answer with the inbox drawn again; the offer form's band suggestions
    path(f"{SLOT}bookings/<uuid:uid>/<str:action>/", venue_slots.venue_booking_action, name="venue_booking_action"),
    path(f"{SLOT}offer/bands/", venue_slots.slot_band_options, name="slot_band_options"),
    # Public: the live band and venue calendars, loaded into their pages and polled by them
    path("bands/<slug:slug>/availability/", public.band_calendar, name="band_calendar"),
    path("venues/<slug:slug>/slots/", public.venue_slots_live, name="venue_slots_live"),
    # Feeds: the secret address calendar apps subscribe to (a 43-character token), and managing them
    re_path(r"^feeds/(?P<token>[A-Za-z0-9_-]{16,64})\.ics$", feeds.feed, name="feed"),
    path("me/feeds/", feeds.my_feeds, name="my_feeds"),
    path("me/feeds/new/", feeds.create, name="feed_create"),
    path("me/feeds/<int:pk>/rotate/", feeds.rotate, name="feed_rotate"),
    path("me/feeds/<int:pk>/options/", feeds.options, name="feed_options"),
    # Webhooks: signed event deliveries to a band's or venue's own endpoint, their log, sending again
    # Blocks: stop someone contacting you, your band or your venue (decision 0081)
    path("blocks/new/", blocks.block_new, name="block_new"),
    path("me/blocks/", blocks.block_list, name="blocks"),
    path("me/blocks/<int:pk>/unblock/", blocks.block_lift, name="block_lift"),
    # Reports to staff: a message, a request or booking, a profile or a show (decision 0081)
    path("reports/new/", reports.report_new, name="report_new"),
    path("me/webhooks/", webhooks.webhook_list, name="webhooks"),
    path("me/webhooks/<int:pk>/", webhooks.webhook_detail, name="webhook_detail"),
    path("me/webhooks/<int:pk>/remove/", webhooks.webhook_remove, name="webhook_remove"),
    path("me/webhooks/deliveries/<int:pk>/resend/", webhooks.webhook_resend, name="webhook_resend"),
    # Share: a band's public availability page and calendar file (no login), and the leaders' page
    path("share/<slug:token>/", share.share_page, name="share"),
    path("share/<slug:token>.ics", share.share_ics, name="share_ics"),
    path("bands/<slug:slug>/manage/share/", share.band_share, name="band_share"),
    path("bands/<slug:slug>/manage/share/new/", share.band_share_create, name="band_share_create"),
    path("bands/<slug:slug>/manage/share/<int:pk>/revoke/", share.band_share_revoke, name="band_share_revoke"),
]
