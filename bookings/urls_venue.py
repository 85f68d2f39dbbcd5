from django.urls import path

from . import views_venue as v

SLOT = "venues/<slug:slug>/manage/slots/<int:pk>/"

urlpatterns = [
    path("venues/<slug:slug>/manage/slots/", v.venue_slots, name="venue_slots"),
    path("venues/<slug:slug>/manage/slots/new/", v.venue_slot_new, name="venue_slot_new"),
    path("venues/<slug:slug>/manage/slots/series/", v.venue_slot_series, name="venue_slot_series"),
    path(SLOT, v.slot_manage, name="slot_manage"),
    path(f"{SLOT}cancel/", v.slot_cancel, name="slot_cancel"),
    path(f"{SLOT}offer/", v.slot_offer, name="slot_offer"),
    path(f"{SLOT}offer/email/", v.slot_offer_invite, name="slot_offer_invite"),
    path("venues/<slug:slug>/manage/applications/", v.venue_applications, name="venue_applications"),
    path("bands/<slug:slug>/offer/", v.offer_band, name="offer_band"),
    path("offers/<str:token>/", v.offer_claim, name="offer_claim"),
    # HTMX: the inbox buttons answer with the inbox drawn again; the offer form's band suggestions.
    path(f"{SLOT}bookings/<uuid:uid>/<str:action>/", v.venue_booking_action, name="venue_booking_action"),
    path(f"{SLOT}offer/bands/", v.slot_band_options, name="slot_band_options"),
]
