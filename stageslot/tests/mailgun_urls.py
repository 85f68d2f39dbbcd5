"""The site's addresses with Mailgun's webhooks mounted (the test settings mount Postmark's), for the tests that
post Mailgun's signed payloads."""

from django.urls import include, path

from accounts.urls import mail_webhook_patterns
from stageslot.urls import urlpatterns as site_patterns

urlpatterns = [path("mail/anymail/", include(mail_webhook_patterns("mailgun"))), *site_patterns]
