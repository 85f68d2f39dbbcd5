"""Links that act for a person: the one rule every door behind an emailed link goes through.

A link in an email names the person it was sent to (a member's "Can you play?" answer, a booking's
Accept or Decline, a stand-in's yes or no, an invite or an offer emailed to an address). Whoever opens
it – a forwarded mail, a shared computer, a bandmate's phone – gets the same link, so the browser's
session decides what happens (docs/decisions/0055-links-that-act-for-a-person.md):

- an anonymous browser, or one signed in as the named person: the link works as it always did;
- a browser signed in as someone else, on a link that answers *for* the named person: nothing
  changes, GET or POST; the page says whom the answer is for and who is logged in, and offers to log
  out and continue (`refuse=True`, the default);
- a browser signed in as someone else, on a link that acts for the one who opens it (an invite, an
  offer emailed to an address): the door's own confirmation page says to whom the link was sent and
  who is logged in before its button does anything (`refuse=False`: the door reads
  `request.link_check`).

A door is a view wrapped in `link_for_a_person(person_of)`: `person_of(request, **kwargs)` reads the
link and gives the person it names, or None when the link names nobody (a broken link, a shared invite:
the view answers those as before). `stageslot/tests/test_links.py` walks every URL and fails for a view
that reads a signed or secret link without this wrapper (or, for a read-only page, without being listed
there as one).
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from allauth.account.models import EmailAddress
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from .models import User

REFUSAL_TEMPLATE = "accounts/links/someone_else.html"
FROM_AN_EMAIL = gettext_lazy("A link from an email")
ANONYMOUS, NAMED, SOMEONE_ELSE = "anonymous", "named", "someone_else"


@dataclass(frozen=True)
class LinkPerson:
    """The person a link was sent to: an account (`user_id`), or an address alone (`email`)."""

    name: str
    user_id: int | None = None
    email: str = ""


@dataclass(frozen=True)
class LinkCheck:
    """Who opened a link compared with the person it names: `opener` is ANONYMOUS, NAMED or SOMEONE_ELSE."""

    person: LinkPerson | None
    opener: str

    @property
    def someone_else(self) -> bool:
        return self.opener == SOMEONE_ELSE


def link_person_of_account(user_id: int) -> LinkPerson | None:
    """The person a link names by their account, or None when the account is gone."""
    user = User.objects.filter(pk=user_id).only("pk", "display_name", "email").first()
    return LinkPerson(name=user.name, user_id=user.pk) if user is not None else None


def is_named_person(*, user: User, person: LinkPerson) -> bool:
    """Whether the signed-in `user` is the person: the same account, or (for a link sent to an address
    alone) an account with that address as its login or as one of its verified addresses."""
    if person.user_id is not None:
        return user.pk == person.user_id
    email = person.email.strip()
    if not email:
        return False
    if user.email.casefold() == email.casefold():
        return True
    return EmailAddress.objects.filter(user_id=user.pk, email__iexact=email, verified=True).exists()


def link_check(*, user, person: LinkPerson | None) -> LinkCheck:
    """Compare the browser's user (perhaps anonymous) with the person a link names (None: nobody)."""
    if not user.is_authenticated:
        return LinkCheck(person=person, opener=ANONYMOUS)
    if person is None or is_named_person(user=user, person=person):
        return LinkCheck(person=person, opener=NAMED)
    return LinkCheck(person=person, opener=SOMEONE_ELSE)


def link_refusal(request: HttpRequest, check: LinkCheck, *, eyebrow: str | Promise = "") -> HttpResponse:
    """The page for someone signed in as another person: nothing changed, whom the link is for, who is
    logged in, and a button to log out and open the link again. 403: the link is not theirs to use."""
    context = {"link_check": check, "eyebrow": eyebrow, "link_path": request.get_full_path()}
    return render(request, REFUSAL_TEMPLATE, context, status=403)


def link_for_a_person(
    person_of: Callable[..., LinkPerson | None],
    *,
    refuse: bool = True,
    eyebrow: str | Promise = FROM_AN_EMAIL,
) -> Callable:
    """Wrap the view behind a link that names a person. Before the view runs, `request.link_check` says
    who opened it; with `refuse` (a link that answers for the person) someone else signed in gets
    `link_refusal` for every method and the view never runs."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def door(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            # An anonymous browser acts for whoever the link names, so the link is not read twice for it.
            person = person_of(request, *args, **kwargs) if request.user.is_authenticated else None
            check = link_check(user=request.user, person=person)
            request.link_check = check
            if refuse and check.someone_else:
                return link_refusal(request, check, eyebrow=eyebrow)
            return view(request, *args, **kwargs)

        door.link_for_a_person = {"refuse": refuse}
        return door

    return decorator
