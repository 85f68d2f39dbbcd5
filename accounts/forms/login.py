"""The login form: allauth's, with its password help text worked out once per form."""

from allauth.account.forms import LoginForm as AllauthLoginForm


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
