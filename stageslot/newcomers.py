"""A newcomer's first steps on the dashboard: what they said they came for (accounts.HereFor) and what they
have lead them to three steps, each a link to the page that does it, each shown done when the data says so
(nothing about the steps is stored).

Someone who has not got the thing of their choice yet (a band, a venue, a request sent, an organisation,
a followed band) and has no other job on StageSlot sees the steps first on their dashboard (`lead`). Once
they have it (or another job: a band, a venue, an agency's roster, an organisation's desk), that job comes
first, as for everyone, and the steps left follow below it until every one is done. Someone whose bookings
show they are under way (any booking on their dashboard's lists) is past the first steps: their dashboard
asks nothing more. The dashboards of people who never said what they came for, or are under way,
cost no query more; a newcomer's costs one (stageslot.selectors.first_steps_done).

The words of each step live in templates/stageslot/partials/_first_steps.html, by the step's key.
"""

from dataclasses import dataclass

from django.urls import reverse

from accounts.models import HereFor, User

from .selectors import first_steps_done

# The dashboard's lists that show a person is under way: any booking to answer, waiting, booked or played.
UNDER_WAY = ("upcoming", "needs_answer", "waiting", "past", "cancelled", "as_client")


@dataclass(frozen=True)
class Step:
    key: str  # which step: its words in the template
    url: str  # the page that does it; "" while an earlier step is still to do (it needs the band, the venue…)
    done: bool


@dataclass(frozen=True)
class FirstSteps:
    here_for: str
    steps: list[Step]
    lead: bool  # the person has not got the thing of their choice yet: the steps come first on the page

    @property
    def place(self) -> str:
        """Where the dashboard shows the steps: "top" (before everything else) or "after" (the role's job)."""
        return "top" if self.lead else "after"

    @property
    def next(self) -> Step | None:
        return next((step for step in self.steps if not step.done), None)


def _url(name: str, *args: str) -> str:
    return reverse(name, args=args) if all(args) else ""


def first_steps(
    *, user: User, memberships: list, venue_roles: list, counts: dict, desks: list, roster: list
) -> FirstSteps | None:
    """The first steps of what `user` came for, worked out from what their dashboard has read already (and
    one query while they are getting started); None when they never said, or are past them."""
    here_for = user.here_for
    if here_for not in HereFor.values:
        return None
    if any(counts.get(name) for name in UNDER_WAY):
        return None
    if here_for == HereFor.BAND:
        done = first_steps_done(user=user, here_for=here_for)
        has = bool(memberships)
        steps = [
            Step("band", reverse("bands:create"), has),
            Step("busy", reverse("availability:calendar"), done["busy"]),
            # Done by the band's first application, which puts the person under way (above).
            Step("gig", reverse("bookings:gig_finder"), False),
        ]
    elif here_for == HereFor.VENUE:
        done = first_steps_done(user=user, here_for=here_for)
        has = bool(venue_roles)
        slug = venue_roles[0].venue.slug if has else ""
        steps = [
            Step("venue", reverse("venues:create"), has),
            Step("photos", _url("venues:photos", slug), done["photo"]),
            Step("slot", _url("bookings:venue_slots", slug), done["slot"]),
        ]
    elif here_for == HereFor.BOOK:
        done = first_steps_done(user=user, here_for=here_for)
        has = False  # a request sent puts the person under way (above)
        steps = [
            Step("name", reverse("accounts:profile"), bool(user.display_name)),
            Step("shortlist", reverse("bands:search"), done["follows"]),
            Step("request", reverse("bands:search"), False),
        ]
    elif here_for == HereFor.FESTIVAL:
        if any(desk.calls and desk.festivals for desk in desks):
            return None
        done = first_steps_done(user=user, here_for=here_for)
        slug = done["org_slug"] or ""
        has = bool(slug)
        steps = [
            Step("org", reverse("teams:new"), has),
            Step("call", _url("festivals:call_new", slug), done["call"]),
            Step("festival", _url("festivals:festival_new", slug), done["festival"]),
        ]
    else:  # HereFor.FAN
        done = first_steps_done(user=user, here_for=here_for)
        has = done["follows"]
        steps = [
            Step("follow", reverse("bands:search"), has),
            Step("city", reverse("fans:home"), done["city"]),
            Step("ask", reverse("bands:search"), done["asks"]),
        ]
    if all(step.done for step in steps):
        return None
    other_job = bool(memberships or venue_roles or roster or desks)
    return FirstSteps(here_for=here_for, steps=steps, lead=not has and not other_job)
