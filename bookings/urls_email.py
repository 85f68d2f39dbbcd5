from django.urls import path

from . import views_email

urlpatterns = [
    # The signed Accept / Decline links of a notification email: a confirmation page first.
    path("bookings/act/<str:token>/", views_email.email_action, name="email_action"),
]
