"""A band's share links: the public read-only page and calendar file, and the leaders' page that
makes and revokes them."""

import zoneinfo

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST, require_safe
from django.views.decorators.vary import vary_on_headers

from bands.models import Band, Membership
from bands.places import place_of
from bands.selectors import band_for_manage, band_photos
from core.fields.form_fields import OneLineField
from core.web.htmx import is_partial

from ..errors import BookingError, BookingPermissionError
from ..ical import feed_body_hash, feed_events_changed_at, feed_render, feed_response
from ..models import ShareLink
from ..pages import month_context
from ..selectors.share import (
    SHARE_STATES,
    band_availability_events,
    share_band_members,
    share_ics_url,
    share_link_live,
    share_link_url,
    share_links_of,
    share_month,
    share_month_in_range,
    share_month_start,
)
from ..services.feeds import feed_content_seen
from ..services.share import LIVE_LINKS_MAX, NOT_A_MANAGER, share_link_create, share_link_revoke

# Neither search engines nor the sites a visitor goes on to may learn the secret address.
PRIVATE_HEADERS = {"Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex, nofollow"}


def _private(response: HttpResponse) -> HttpResponse:
    for header, value in PRIVATE_HEADERS.items():
        response[header] = value
    return response


# ---- The public side ------------------------------------------------------------------------------


@require_safe
@never_cache
@vary_on_headers("HX-Request")
def share_page(request: HttpRequest, token: str) -> HttpResponse:
    link = share_link_live(token=token)
    band = link.band
    members = share_band_members(band=band)
    tz = zoneinfo.ZoneInfo(band.time_zone)
    now = timezone.now().astimezone(tz)
    today = now.date()
    month_start = share_month_start(request.GET.get("month"), today=today)
    month = share_month(band=band, members=members, month_start=month_start, today=today)
    context = month_context(
        band=band,
        month=month,
        now=now,
        path=reverse("bookings:share", args=[token]),
        states=SHARE_STATES,
        in_range=lambda m: share_month_in_range(m, today=today),
    )
    with timezone.override(tz):
        if is_partial(request):
            return _private(render(request, "bookings/public/band_calendar.html#calendar", context))
        context |= {
            "photo": band_photos(band=band).first(),
            "genres": list(band.genres.all()),
            "place": place_of(band),
            "ics_url": reverse("bookings:share_ics", args=[token]),
            "ics_address": share_ics_url(link),
        }
        return _private(render(request, "bookings/share/page.html", context))


@require_safe
def share_ics(request: HttpRequest, token: str) -> HttpResponse:
    link = share_link_live(token=token)
    band = link.band
    events = band_availability_events(band=band, now=timezone.now())
    body = feed_render(name=f"{band.name} – availability", events=events)
    # A gig that leaves the calendar or a busier week changes the body, not an event's stamp.
    changed = feed_content_seen(
        feed=link, body_hash=feed_body_hash(body), events_changed_at=feed_events_changed_at(body)
    )
    return _private(
        feed_response(request, body=body, filename=f"{band.slug}-availability.ics", content_changed_at=changed)
    )


# ---- The band's page of links ---------------------------------------------------------------------


class ShareLinkForm(forms.Form):
    label = OneLineField(
        label=gettext_lazy("Label (optional)"),
        max_length=ShareLink._meta.get_field("label").max_length,
        required=False,
        help_text=gettext_lazy("Who it is for, e.g. “Rockpalast promoters”. Only your band sees it."),
        error_messages={
            "max_length": gettext_lazy("Keep the label to %(limit_value)d characters or fewer (it has %(show_value)d).")
        },
    )


def _manager_of(request: HttpRequest, slug: str) -> tuple[Band, Membership]:
    """The band and the viewer's membership; 403 unless the viewer leads or runs the band."""
    band, membership = band_for_manage(slug=slug, user=request.user)
    if membership is None or not membership.can_manage:
        raise PermissionDenied(NOT_A_MANAGER)
    return band, membership


def _links_context(band: Band) -> dict:
    live, revoked = share_links_of(band=band)
    return {
        "live": [(link, share_link_url(link)) for link in live],
        "revoked": revoked,
        "limit": LIVE_LINKS_MAX,
    }


def _manage_page(
    request: HttpRequest, band: Band, membership: Membership, form: ShareLinkForm, *, status: int = 200
) -> HttpResponse:
    context = {"band": band, "membership": membership, "section": "share", "form": form, **_links_context(band)}
    return render(request, "bookings/share/manage.html", context, status=status)


@login_required
@require_GET
def band_share(request: HttpRequest, slug: str) -> HttpResponse:
    band, membership = _manager_of(request, slug)
    return _manage_page(request, band, membership, ShareLinkForm())


@login_required
@require_POST
def band_share_create(request: HttpRequest, slug: str) -> HttpResponse:
    band, membership = _manager_of(request, slug)
    form = ShareLinkForm(request.POST)
    if form.is_valid():
        try:
            link = share_link_create(band=band, by=request.user, label=form.cleaned_data["label"])
        except BookingPermissionError as exc:
            raise PermissionDenied(str(exc)) from exc
        except ValidationError as exc:
            form.add_error("label", exc.message_dict.get("label", exc.messages))
        except BookingError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, gettext("The share link is ready. Copy it and send it to the people it is for."))
            return redirect(f"{reverse('bookings:band_share', args=[band.slug])}#share-{link.pk}")
    return _manage_page(request, band, membership, form, status=400)


@login_required
@require_POST
def band_share_revoke(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    band, _ = _manager_of(request, slug)
    link = get_object_or_404(ShareLink, pk=pk, band=band)
    try:
        share_link_revoke(link=link, by=request.user)
    except BookingPermissionError as exc:
        raise PermissionDenied(str(exc)) from exc
    if link.label:
        notice = gettext("The link “%(label)s” is revoked: whoever opens it now gets “page not found”.") % {
            "label": link.label
        }
    else:
        notice = gettext("The link without a label is revoked: whoever opens it now gets “page not found”.")
    if getattr(request, "htmx", None):
        context = {"band": band, "notice": notice, **_links_context(band)}
        return render(request, "bookings/share/manage.html#links", context)
    messages.success(request, notice)
    return redirect("bookings:band_share", slug=band.slug)
