"""allauth hooks: account emails go through the Celery worker."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.contrib.sites.requests import RequestSite

from .services import email_queue


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        request = allauth_context.request
        site = RequestSite(request)
        site.name = "StageSlot"  # emails greet from the product, not from the host name
        ctx = {"request": request, "email": email, "current_site": site}
        ctx.update(context)
        email_queue(message=self.render_mail(template_prefix, email, ctx))
