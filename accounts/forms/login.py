"""The login form: allauth's, with its password help text worked out once per form."""

import hashlib

from allauth.account.forms import LoginForm as AllauthLoginForm
from django.utils import translation


class LoginForm(AllauthLoginForm):
    """allauth's LoginForm (ACCOUNT_FORMS["login"]).

    allauth gives the password field a lazy help text (the "Forgot your password?" link) that is
    built again each time it is read: it looks up a template we do not have, then reverses the
    reset page and translates the words. Drawing the field reads it four times; here it is built
    once, when the form is.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        password = self.fields.get("password")
        if password is not None and password.help_text:
            password.help_text = str(password.help_text)

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
