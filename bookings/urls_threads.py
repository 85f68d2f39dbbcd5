from django.urls import path

from . import views_threads

# HTMX: a booking's thread – the messages after a given one (polled), and sending one.
urlpatterns = [
    path("bookings/<uuid:uid>/messages/", views_threads.thread, name="thread"),
    path("bookings/<uuid:uid>/messages/new/", views_threads.message_post, name="message_post"),
]
