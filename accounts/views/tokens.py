"""/me/tokens/: personal access tokens for the JSON API – make one (shown once), see when each was
last used, revoke.

A token with a money scope is the API's step-up (accounts/mfa.py): making one asks an account with
two-factor on for its second factor first, and the token keeps when it was given."""

import datetime as dt

from allauth.mfa.utils import is_mfa_enabled
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from ..api_tokens import api_token_create, api_token_of, api_token_revoke, api_tokens_of
from ..forms.tokens import TokenForm
from ..mfa import STEP_UP_SCOPES, second_factor_at, second_factor_response, step_up_due


def _page(request: HttpRequest, form: TokenForm, *, new_secret: str = "", status: int = 200) -> HttpResponse:
    context = {"form": form, "tokens": list(api_tokens_of(user=request.user)), "new_secret": new_secret,
               "now": timezone.now(), "mfa_on": is_mfa_enabled(request.user)}  # fmt: skip
    return render(request, "accounts/tokens.html", context, status=status)


@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _page(request, TokenForm())
    form = TokenForm(request.POST)
    if form.is_valid():
        if not STEP_UP_SCOPES.isdisjoint(form.cleaned_data["scopes"]) and step_up_due(request):
            # The form is kept and sent again once the factor is given.
            return second_factor_response(request)
        given = second_factor_at(request)
        try:
            _token, raw = api_token_create(
                user=request.user,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                expires_at=form.expires_at(),
                second_factor_at=dt.datetime.fromtimestamp(given, tz=dt.UTC) if given else None,
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                field = "expires" if field == "expires_at" else field
                form.add_error(field if field in form.fields else None, errors)
        else:
            # The secret is in this answer only: it is never stored, so the page cannot show it again.
            return _page(request, TokenForm(), new_secret=raw, status=201)
    return _page(request, form, status=400)


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = api_token_of(user=request.user, pk=pk)
    if token is None:
        raise Http404("No such token.")
    api_token_revoke(token=token, by=request.user)
    return redirect("tokens:list")
