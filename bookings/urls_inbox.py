from django.urls import path

from . import views

urlpatterns = [
    path("bookings/", views.inbox, name="inbox"),
    path("bookings/<uuid:uid>/", views.detail, name="detail"),
    path("bookings/<uuid:uid>/accept/", views.accept, name="accept"),
    path("bookings/<uuid:uid>/decline/", views.decline, name="decline"),
    path("bookings/<uuid:uid>/withdraw/", views.withdraw, name="withdraw"),
    path("bookings/<uuid:uid>/cancel/", views.cancel, name="cancel"),
    path("bands/<slug:slug>/request/", views.request_band, name="request"),
    # HTMX: is the band free at the times in the request form
    path("bands/<slug:slug>/request/check/", views.request_check, name="request_check"),
]
