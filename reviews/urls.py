from django.urls import path

from . import exports, views

app_name = "reviews"

urlpatterns = [
    # A booking's reviews: write, edit, read, reply; a client's reputation for the band they ask
    path("reviews/<uuid:uid>/", views.booking_review, name="booking"),
    path("reviews/<uuid:uid>/client/", views.client_reputation_view, name="client"),
    path("reviews/<int:pk>/reply/", views.review_reply_view, name="reply"),
    path("reviews/<int:pk>/report/", views.review_report_view, name="report"),
    # Public lists
    path("bands/<slug:slug>/reviews/", views.band_reviews, name="band"),
    path("bands/<slug:slug>/reviews/latest/", views.band_reviews_latest, name="band_latest"),
    path("venues/<slug:slug>/reviews/", views.venue_reviews, name="venue"),
    path("venues/<slug:slug>/reviews/latest/", views.venue_reviews_latest, name="venue_latest"),
    # CSV: a band's, a venue's or a client's own reviews, received or given
    path("bands/<slug:slug>/reviews/export.csv", exports.band_reviews_csv, name="export_band"),
    path("venues/<slug:slug>/reviews/export.csv", exports.venue_reviews_csv, name="export_venue"),
    path("reviews/export.csv", exports.client_reviews_csv, name="export_mine"),
]
