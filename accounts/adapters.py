"""allauth hooks: account emails go through the Celery worker; per-address limits key on the visitor's
address behind our proxies; passkeys and authenticator apps name StageSlot; Google is set up by the
settings alone, and a Google sign-up takes the person's name from Google."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.utils import is_mfa_enabled
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter, _build_apps_from_settings
from allauth.socialaccount.models import SocialApp
from django.contrib.sites.requests import RequestSite
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _

from core.fields.timezones import signup_zone_name
from core.web.client_ip import client_ip

from .policy import policy_accept
from .services import email_queue, signup_language


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request: HttpRequest, user, form, commit: bool = True):
        """A new account records the version of the privacy notice its sign-up form linked to."""
        user = super().save_user(request, user, form, commit=commit)
        if commit:
            policy_accept(user=user)
        return user

    def get_reauthentication_methods(self, user) -> list[dict]:
        """The ways to confirm it is you: an account with two-factor on is offered only its second factor
        (a code or a passkey), never its password. The password alone does not satisfy the step-up rule
        (accounts/mfa.py), so offering it would lead back to the code page; and a password alone must not
        add an authenticator or change an address of an account that has a second factor."""
        methods = super().get_reauthentication_methods(user)
        if user.is_authenticated and is_mfa_enabled(user):
            methods = [m for m in methods if m["id"].startswith("mfa_reauthenticate")] or methods
        return methods

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        request = allauth_context.request
        site = RequestSite(request)
        site.name = "StageSlot"  # emails greet from the product, not from the host name
        ctx = {"request": request, "email": email, "current_site": site}
        ctx.update(context)
        email_queue(message=self.render_mail(template_prefix, email, ctx))

    def get_client_ip(self, request: HttpRequest) -> str:
        # allauth reads ALLAUTH_TRUSTED_PROXY_COUNT too, but answers a short X-Forwarded-For with a
        # 500 and an unreadable entry with a 403; ours falls back to REMOTE_ADDR (core/web/client_ip.py).
        ip = client_ip(request)
        if ip is None:
            raise PermissionDenied(_("Unable to determine client IP address"))
        return ip


class MFAAdapter(DefaultMFAAdapter):
    def _get_site_name(self) -> str:
        # What an authenticator app and a passkey prompt call us (allauth would name the host).
        return "StageSlot"


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def list_apps(self, request: HttpRequest, provider=None, client_id=None) -> list[SocialApp]:
        """The apps the settings name, and only those: Google with GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET
        (docs/decisions/0043). None is kept in the database, so the login page, which lists them for
        everyone who opens it, asks the database nothing."""
        apps = _build_apps_from_settings(provider=provider, client_id=client_id)
        return [app for provider_apps in apps.values() for app in provider_apps]

    def get_app(self, request: HttpRequest, provider, client_id=None):
        # Google's keys unset (GOOGLE_CLIENT_ID/SECRET): its addresses are a 404, not a 500.
        try:
            return super().get_app(request, provider, client_id=client_id)
        except SocialApp.DoesNotExist as exc:
            raise Http404(_("Signing in with %(provider)s is not set up here.") % {"provider": provider}) from exc

    def save_user(self, request: HttpRequest, sociallogin, form=None):
        """A new account through Google records the privacy notice's version as a sign-up by form does."""
        user = super().save_user(request, sociallogin, form=form)
        policy_accept(user=user)
        return user

    def populate_user(self, request: HttpRequest, sociallogin, data: dict):
        user = super().populate_user(request, sociallogin, data)
        name = (data.get("name") or " ".join(filter(None, [data.get("first_name"), data.get("last_name")]))).strip()
        user.display_name = name[: user._meta.get_field("display_name").max_length]
        user.time_zone = signup_zone_name(request)
        user.language = signup_language()
        return user
