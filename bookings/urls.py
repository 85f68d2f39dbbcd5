from django.urls import include, path

app_name = "bookings"

# Mounted at the site root: the gig finder (/slots/…), the venue's slot pages
# (/venues/<slug>/manage/slots/…), a client's requests (/bands/<slug>/request/…),
# the booking inbox (/bookings/…) and the live public calendars.
urlpatterns = [
    path("", include("bookings.urls_finder")),
    path("", include("bookings.urls_venue")),
    path("", include("bookings.urls_inbox")),
    path("", include("bookings.urls_public")),
    path("", include("bookings.urls_threads")),
    path("", include("bookings.urls_feeds")),
    path("", include("bookings.urls_share")),
    path("", include("bookings.urls_email")),
]
