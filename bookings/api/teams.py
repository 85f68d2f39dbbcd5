"""Organisations through the API: mine with my role, one of mine with its people and its bands (an agency)
or venues (a venue group), and inviting someone to it (owners). Here, among the API's own modules, since
teams sits below bookings (bookings.api.urls mounts it).

Who is in an organisation is its own: one the caller is not in does not exist for them (404). The checks
of who may do what are teams.services' (a booker or viewer inviting is a 403)."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja import Status as Answer

from accounts.models import ApiToken
from core.fields.api_fields import ApiLine
from teams import selectors, services
from teams.models import Organisation, OrgInvite

from .bookings import ONE_ERRORS, READ_ERRORS, WRITE_ERRORS, _limited
from .core import ApiProblem, caller, field_errors, token_auth
from .schemas import utc

router = Router(auth=token_auth, tags=["teams"])
# The field a refusal of org_invite_create is about, by its code.
INVITE_FIELDS = {"invalid_role": "role", "email": "email"}


class OrganisationOut(Schema):
    slug: str
    name: str
    kind: str = Field(description="agency or venue_group")
    role: str = Field(description="Your role in it: owner, booker or viewer")
    acts_for: int = Field(description="How many bands (an agency) or venues (a group) it acts for now")


class MemberOut(Schema):
    user_id: int
    name: str
    role: str
    joined_at: dt.datetime


class LinkOut(Schema):
    slug: str
    name: str
    status: str = Field(description="asked, active, declined or ended")
    may_sign: bool | None = Field(description="An agency may sign the band's contracts (null for a venue)")


class OrganisationDetail(Schema):
    slug: str
    name: str
    kind: str
    email: str
    commission_bp: int = Field(description="An agency's share of a band's fee in basis points (1500 = 15 %)")
    role: str
    members: list[MemberOut]
    bands: list[LinkOut] = Field(description="An agency's bands, live links first (empty for a venue group)")
    venues: list[LinkOut] = Field(description="A venue group's venues, live links first (empty for an agency)")


class InviteIn(Schema):
    email: ApiLine(254) = Field()
    role: ApiLine(20) = Field("booker", description="owner, booker or viewer")


class InviteOut(Schema):
    id: int
    email: str
    role: str
    expires_at: dt.datetime
    link: str = Field(description="The /join/ link that was emailed")


def _mine(user, slug: str) -> Organisation:
    organisation = selectors.organisation_for_member(slug=slug, user=user)
    if organisation is None or organisation.my_role is None:
        raise Http404(_("No organisation of yours at this address."))
    return organisation


@router.get("/organisations", response={200: list[OrganisationOut], **READ_ERRORS})
def organisations_list(request: HttpRequest):
    """The organisations you are in, by name, with your role in each."""
    user = caller(request, ApiToken.Scope.READ)
    return [
        OrganisationOut(
            slug=m.organisation.slug,
            name=m.organisation.name,
            kind=m.organisation.kind,
            role=m.role,
            acts_for=(m.bands if m.organisation.is_agency else m.venues) or 0,
        )
        for m in selectors.organisations_of(user=user)
    ]


@router.get("/organisations/{slug}", response={200: OrganisationDetail, **ONE_ERRORS})
def organisation_detail(request: HttpRequest, slug: str):
    """One organisation you are in: its people with their roles and its bands or venues."""
    user = caller(request, ApiToken.Scope.READ)
    organisation = _mine(user, slug)
    bands, venues = [], []
    if organisation.is_agency:
        bands = [
            LinkOut(slug=r.band.slug, name=r.band.name, status=r.status, may_sign=r.may_sign)
            for r in selectors.organisation_representations(organisation=organisation)
        ]
    else:
        venues = [
            LinkOut(slug=v.venue.slug, name=v.venue.name, status=v.status, may_sign=None)
            for v in selectors.organisation_venue_links(organisation=organisation)
        ]
    return OrganisationDetail(
        slug=organisation.slug,
        name=organisation.name,
        kind=organisation.kind,
        email=organisation.email,
        commission_bp=organisation.commission_bp,
        role=organisation.my_role,
        members=[
            MemberOut(user_id=m.user_id, name=m.user.name, role=m.role, joined_at=utc(m.joined_at))
            for m in selectors.organisation_members(organisation=organisation)
        ],
        bands=bands,
        venues=venues,
    )


@router.post("/organisations/{slug}/invites", response={201: InviteOut, **WRITE_ERRORS})
def organisation_invite(request: HttpRequest, slug: str, body: InviteIn):
    """Invite someone by email to join in a role (owners only); the link is emailed. The same invite again
    within a few minutes is the one already sent. 400 for an address that is not one or an unknown role."""
    user = caller(request, ApiToken.Scope.BOOKINGS)
    organisation = _mine(user, slug)
    with _limited("invite", user):
        try:
            invite: OrgInvite = services.org_invite_create(
                organisation=organisation,
                by=user,
                email=body.email,
                role=body.role,
                site_url=request.build_absolute_uri("/"),
            )
        except services.TeamsPermissionError as exc:
            raise ApiProblem(403, str(exc)) from exc
        except ValidationError as exc:
            field = None if hasattr(exc, "error_dict") else INVITE_FIELDS.get(exc.code or "")
            errors = {field: list(exc.messages)} if field else field_errors(exc)
            raise ApiProblem(400, " ".join(exc.messages), errors=errors) from exc
    link = request.build_absolute_uri(selectors.org_invite_link_path(invite=invite))
    return Answer(
        201,
        InviteOut(id=invite.pk, email=invite.email, role=invite.role, expires_at=utc(invite.expires_at), link=link),
    )
