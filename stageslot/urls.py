from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _

from accounts.urls import mail_patterns, mail_webhook_patterns, notification_patterns, token_patterns
from accounts.views import language as language_views
from accounts.views import login_page
from analytics.api import router as analytics_api
from bookings.api.core import not_found
from bookings.api.urls import api
from calendars.api import router as calendars_api
from documents.api import router as documents_api
from fans import views as fans_views
from fans.api import router as fans_api
from gigs.api import router as gigs_api
from holds.api import router as holds_api
from payments.api import router as payments_api
from reviews.api import router as reviews_api

from . import metrics
from .views import dashboard, health, home, join, jsi18n, legal, limits, privacy, road, roster, staff_login

# The payments, gigs, calendars, documents, reviews, holds and analytics apps sit above bookings, so their API
# routers are mounted here, beside bookings.api's own.
api.add_router("", payments_api)
api.add_router("", gigs_api)
api.add_router("", calendars_api)
api.add_router("", documents_api)
api.add_router("", reviews_api)
api.add_router("", holds_api)
api.add_router("", analytics_api)
api.add_router("", fans_api)

# Your data: export it, close your account (docs/decisions/0082), at /me/data/ (namespace "privacy").
privacy_patterns = [
    path("", privacy.data_home, name="data"),
    path("export/", privacy.data_export_ask, name="export"),
    path("exports/<int:pk>/download/", privacy.data_export_download, name="export_download"),
    path("close/", privacy.account_close_page, name="close"),
    path("keep/", privacy.account_keep_page, name="keep"),
    path("policy-read/", privacy.policy_read, name="policy_read"),
]

admin.site.site_header = _("StageSlot staff")
admin.site.site_title = _("StageSlot staff")
admin.site.index_title = _("Run StageSlot")

urlpatterns = [
    path("", home.home, name="home"),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    # The pages the law asks for (docs/decisions/0082).
    path("privacy/", legal.privacy, name="privacy_notice"),
    path("imprint/", legal.imprint, name="imprint"),
    path("health/", health.health, name="health"),
    path("health/ready/", health.ready, name="ready"),
    # Prometheus's scrape, for the operator only (stageslot/metrics.py).
    path("metrics/", metrics.metrics, name="metrics"),
    # The one service worker (Web Push, the show day offline), at the root so that its scope is the whole
    # site; the app's manifest; what this device keeps; my next shows; the page for one not kept (0091).
    path("sw.js", road.service_worker, name="service_worker"),
    path("manifest.webmanifest", road.manifest, name="manifest"),
    path("me/offline/", road.road_keep, name="road_keep"),
    path("me/road/", road.road, name="road"),
    path("offline/", road.offline, name="offline"),
    # The words of our scripts, by language and catalogue version (kept a year by browsers).
    path("jsi18n/<str:language>/<str:version>/", jsi18n.javascript_catalog, name="javascript_catalog"),
    path("language/", language_views.language_set, name="language_set"),
    # allauth's sign-in page, its first visits answered from a drawn copy (accounts/views/login_page.py).
    path("accounts/login/", login_page.login_page, name="account_login"),
    path("accounts/", include("allauth.urls")),
    path("me/profile/", include("accounts.urls")),
    path("me/availability/", include("availability.urls")),
    path("me/calendars/", include("calendars.urls")),
    path("notifications/", include((notification_patterns, "notifications"))),
    path("", include("reviews.urls")),
    path("me/tokens/", include((token_patterns, "tokens"))),
    path("mail/", include((mail_patterns, "mail"))),
    path("me/data/", include((privacy_patterns, "privacy"))),
    path("api/v1/", api.urls),
    re_path(r"^api/(?P<rest>(?s:.*))$", not_found),  # any character, a newline too
    path("bands/", include("bands.urls")),
    path("venues/", include("venues.urls")),
    path("places/", include("places.urls")),
    path("payments/", include("payments.urls")),
    path("gigs/", include("gigs.urls")),
    # Fans: follows, asks, my shows and feed; the public "What's on" at /shows/ (docs/decisions/0089).
    path("fans/", include("fans.urls")),
    path("shows/", fans_views.whats_on, name="whats_on"),
    path("shows/city/<int:city_id>.ics", fans_views.city_ics, name="shows_city_ics"),
    # An agency's roster: it reads holds, bookings, contracts and money, so it lives here, above them all.
    path("teams/<slug:slug>/roster/", roster.roster, name="roster"),
    path("teams/<slug:slug>/roster/bands/", roster.roster_bands, name="roster_bands"),
    path("teams/<slug:slug>/roster/venues/", roster.roster_venues, name="roster_venues"),
    path("teams/<slug:slug>/roster/holds/", roster.roster_hold, name="roster_hold"),
    path("teams/<slug:slug>/roster/answers/<uuid:uid>/", roster.roster_answer, name="roster_answer"),
    path("teams/", include("teams.urls")),
    path("holds/", include("holds.urls")),
    path("", include("festivals.urls")),
    path("analytics/", include("analytics.urls")),
    path("documents/", include("documents.urls")),
    path("join/<str:token>/", join.join, name="join"),
    # The band's website widget, and the band's page that hands it out
    path("", include("embeds.urls")),
    path("", include("bookings.urls")),
    # Staff log in on the site's login page, under its failed-login limits (stageslot/views/staff_login.py).
    path("admin/login/", staff_login.staff_login, name="staff_login"),
    path("admin/", admin.site.urls),
]

# The mail service's webhooks, only with a webhook secret: anymail would otherwise take unsigned posts.
if settings.MAIL_ESP and settings.ANYMAIL.get("WEBHOOK_SECRET"):
    urlpatterns.insert(0, path("mail/anymail/", include(mail_webhook_patterns(settings.MAIL_ESP))))

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# django-allauth answers its login, signup and password-reset limits with this.
handler429 = limits.too_many

handler400 = "stageslot.errors.bad_request"
handler404 = "stageslot.errors.page_not_found"
handler500 = "stageslot.errors.server_error"
