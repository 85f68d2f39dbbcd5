from django.urls import path

from . import views

app_name = "fans"

urlpatterns = [
    path("", views.home, name="home"),
    path("join/", views.join, name="join"),
    path("settings/", views.settings_save, name="settings"),
    path("feed/rotate/", views.feed_rotate, name="feed_rotate"),
    path("feed/<str:token>.ics", views.feed, name="feed"),
    path("follow/<str:kind>/<int:pk>/", views.follow, name="follow"),
    path("follow/<str:kind>/<int:pk>/button/", views.follow_button, name="follow_button"),
    path("shows/<int:pk>/buttons/", views.show_buttons, name="show_buttons"),
    path("ask/<int:pk>/", views.ask, name="ask"),
    path("ask/<int:pk>/box/", views.ask_box, name="ask_box"),
    path("ask/<int:pk>/<int:city_id>/withdraw/", views.ask_withdraw, name="ask_withdraw"),
    path("bands/<slug:slug>/audience/", views.band_audience, name="band_audience"),
    path("venues/<slug:slug>/audience/", views.venue_audience, name="venue_audience"),
]
