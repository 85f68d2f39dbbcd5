"""The login form: allauth's, with its password help text worked out once per form."""

import hashlib
from functools import lru_cache

from allauth.account.fields import PasswordField
from allauth.account.forms import LoginForm as AllauthLoginForm
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, get_urlconf
from django.utils import translation
from django.utils.functional import Promise
from django.utils.safestring import SafeString, mark_safe


@lru_cache(maxsize=32)
def _reset_link_help(language: str | None, script_prefix: str, urlconf: str | None) -> SafeString:
    return mark_safe(str(PasswordField._get_help_text()))  # noqa: S308  (allauth's own link, marked safe by it)


@receiver(setting_changed)
def _forget_reset_link_help(**kwargs) -> None:
    """A test that changes the addresses or the languages gets the link built anew."""
    _reset_link_help.cache_clear()


def reset_link_help(language: str | None, script_prefix: str, urlconf: str | None, lazy_text: Promise) -> SafeString:
    """The password field's "Forgot your password?" link in this language at this address prefix, built
    once each (allauth's lazy_text is built anew at every read)."""
    if settings.DEBUG:
        return mark_safe(str(lazy_text))  # noqa: S308
    return _reset_link_help(language, script_prefix, urlconf)


class LoginForm(AllauthLoginForm):
    """allauth's LoginForm (ACCOUNT_FORMS["login"]).

    allauth gives the password field a lazy help text (the "Forgot your password?" link) that is
    built again each time it is read: it looks up a template we do not have, then reverses the
    reset page and translates the words. Drawing the field reads it four times; here it is built
    once per language and address prefix (reset_link_help), not per form.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        password = self.fields.get("password")
        if password is not None and isinstance(password.help_text, Promise):
            password.help_text = reset_link_help(
                translation.get_language(), get_script_prefix(), get_urlconf(), password.help_text
            )

    def fragment_key(self) -> str:
        """A digest of everything the empty form draws (its fields' labels, help, attributes and
        starting values, in the current language): the login page, which every visitor opens, keeps the
        drawing of its empty form per key (docs/decisions/0025). A form sent back with errors is drawn
        anew."""
        fields = [
            (name, str(field.label), str(field.help_text), field.widget.attrs, field.initial, self.initial.get(name))
            for name, field in self.fields.items()
        ]
        parts = [type(self).__name__, translation.get_language(), self.auto_id, self.prefix, fields]
        return hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()
