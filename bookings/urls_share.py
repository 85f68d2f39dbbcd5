from django.urls import path

from . import views_share

# A band's share links: the public page and calendar file (no login), and the leaders' page.
urlpatterns = [
    path("share/<slug:token>/", views_share.share_page, name="share"),
    path("share/<slug:token>.ics", views_share.share_ics, name="share_ics"),
    path("bands/<slug:slug>/manage/share/", views_share.band_share, name="band_share"),
    path("bands/<slug:slug>/manage/share/new/", views_share.band_share_create, name="band_share_create"),
    path("bands/<slug:slug>/manage/share/<int:pk>/revoke/", views_share.band_share_revoke, name="band_share_revoke"),
]
