from django.urls import path, re_path

from . import views_feeds as v

urlpatterns = [
    # The secret address calendar apps subscribe to (a 43-character token, see models.new_feed_token).
    re_path(r"^feeds/(?P<token>[A-Za-z0-9_-]{16,64})\.ics$", v.feed, name="feed"),
    path("me/feeds/", v.my_feeds, name="my_feeds"),
    path("me/feeds/new/", v.create, name="feed_create"),
    path("me/feeds/<int:pk>/rotate/", v.rotate, name="feed_rotate"),
    path("me/feeds/<int:pk>/options/", v.options, name="feed_options"),
]
