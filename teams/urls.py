"""Every route of the teams app: organisations and their people, and the band's and venue's side of them."""

from django.urls import path

from . import views

app_name = "teams"

urlpatterns = [
    # My organisations, and a new one
    path("", views.organisations, name="list"),
    path("new/", views.organisation_new, name="new"),
    # The band's side (its leaders) and the venue's side (its owners): who may act for them
    path("bands/<slug:slug>/agencies/", views.band_agencies, name="band_agencies"),
    path("bands/<slug:slug>/agencies/<int:pk>/answer/", views.band_agency_answer, name="band_agency_answer"),
    path("bands/<slug:slug>/agencies/<int:pk>/end/", views.band_agency_end, name="band_agency_end"),
    path("bands/<slug:slug>/agencies/<int:pk>/sign/", views.band_agency_may_sign, name="band_agency_may_sign"),
    path("bands/<slug:slug>/agencies/<int:pk>/hold/", views.band_agency_may_hold, name="band_agency_may_hold"),
    path("venues/<slug:slug>/groups/", views.venue_groups, name="venue_groups"),
    path("venues/<slug:slug>/groups/<int:pk>/answer/", views.venue_group_answer, name="venue_group_answer"),
    path("venues/<slug:slug>/groups/<int:pk>/end/", views.venue_group_end, name="venue_group_end"),
    # One organisation: its bands or venues, people, invites and settings
    path("<slug:slug>/", views.organisation_page, name="detail"),
    path("<slug:slug>/settings/", views.organisation_settings, name="settings"),
    path("<slug:slug>/invites/", views.organisation_invite, name="invite"),
    path("<slug:slug>/invites/<int:pk>/withdraw/", views.organisation_invite_withdraw, name="invite_withdraw"),
    path("<slug:slug>/people/<int:pk>/role/", views.organisation_member_role, name="member_role"),
    path("<slug:slug>/people/<int:pk>/remove/", views.organisation_member_remove, name="member_remove"),
    path("<slug:slug>/links/", views.organisation_link_ask, name="link_ask"),
    path("<slug:slug>/links/<int:pk>/end/", views.organisation_link_end, name="link_end"),
    path("<slug:slug>/bands/<slug:band_slug>/", views.organisation_band, name="band"),
]
