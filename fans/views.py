"""The fans' pages: signing up with an email and a code, "My shows" with the settings and the secret feed,
the follow and ask buttons (htmx) of band, venue and show pages, what a band or venue sees of its
audience (counts by city, never who), and the public "What's on" with its calendar per city.

A visitor who taps Follow or Ask is asked for an email; what they chose is kept in the session (as a
client's booking draft is) and done once the code signs them in. Follows and asks are limited per
account and per address (STAGESLOT_RATE_LIMITS "follow", "follow_ip"); refusals are 4xx with the
message, never a 500, and nothing changes.
"""

import datetime as dt
import hashlib
import json
import zoneinfo

from allauth.account.internal.flows.login_by_code import LoginCodeVerificationProcess
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import caches
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext
from django.views.decorators.http import require_GET, require_POST, require_safe

from accounts.ratelimit import rate_limit_return, rate_limit_take, rate_limited_response
from accounts.services import signup_language
from bands.models import Band
from bookings.ical import FeedEvent, feed_render, feed_response
from bookings.selectors.shows import lineup_sorted, show_json_ld, show_lineup, show_public, show_status
from core.db.replica import reads_from_replica
from core.fields.timezones import signup_zone_name, when_text
from core.web.client_ip import client_ip
from core.web.htmx import is_partial
from core.web.site import site_url
from places.near import Near, PlaceNotFound, city_from_input, distance_text
from venues.models import Slot, Venue

from . import selectors, services
from .forms import AskForm, JoinForm, ProfileForm, WhatsOnForm
from .models import DEFAULT_RADIUS_KM, FanProfile

_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def _limited(request: HttpRequest) -> HttpResponse | None:
    """Take a place of the person's and the address's follow/ask limits; the 429 page when either is full."""
    ip = client_ip(request) or "unknown"
    wait = rate_limit_take(action="follow_ip", who=ip)
    if wait:
        return rate_limited_response(request, action="follow_ip", wait=wait)
    if request.user.is_authenticated:
        wait = rate_limit_take(action="follow", who=request.user.pk)
        if wait:
            rate_limit_return(action="follow_ip", who=ip)
            return rate_limited_response(request, action="follow", wait=wait)
    return None


def _to_join(request: HttpRequest) -> HttpResponse:
    url = reverse("fans:join")
    if is_partial(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


def _refused(request: HttpRequest, message: str, status: int = 409) -> HttpResponse:
    return render(request, "fans/partials/_refused.html", {"message": message}, status=status)


# ---- Signing up with an email alone ------------------------------------------------------------------


def join(request: HttpRequest) -> HttpResponse:
    """An email, then the emailed code signs the person in (a new account needs nothing else); what they
    tapped before is done then. The same answer for a known and an unknown address."""
    if request.user.is_authenticated:
        return redirect("fans:home")
    form = JoinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        wait = rate_limit_take(action="fan_join", who=client_ip(request) or "unknown")
        if wait:
            return rate_limited_response(request, action="fan_join", wait=wait)
        user = services.fan_account_for_email(
            email=form.cleaned_data["email"],
            display_name=form.cleaned_data["display_name"],
            time_zone=signup_zone_name(request),
            language=signup_language(),
        )
        LoginCodeVerificationProcess.initiate(request=request, user=user, email=user.email)
        return redirect(reverse("account_confirm_login_code") + "?next=" + reverse("fans:home"))
    pending = request.session.get(services.PENDING_KEY, []) if hasattr(request, "session") else []
    return render(
        request, "fans/join.html", {"form": form, "pending": len(pending)}, status=400 if form.errors else 200
    )


# ---- My shows, settings and feed ------------------------------------------------------------------------


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    done = services.pending_apply(request.session, user=request.user)
    if done:
        messages.success(request, gettext("Done: you follow what you picked."))
    # A GET changes nothing: someone without fan settings yet sees the defaults, saved by their first change.
    profile = selectors.profile_of(user=request.user) or FanProfile(user=request.user)
    return render(request, "fans/home.html", _home_context(request, profile))


def _home_context(request: HttpRequest, profile, form: ProfileForm | None = None) -> dict:
    now = timezone.now()
    shows = selectors.fan_shows(user=request.user, profile=profile, now=now)
    zone = request.user.zone
    rows = [
        {
            "show": s,
            "when": when_text(s.starts_at, s.ends_at, zone),
            "acts": lineup_sorted(s.acts),
            "followed": s.followed,
            "distance": distance_text(getattr(s, "distance_km", None)),
        }
        for s in shows
    ]
    form = form or ProfileForm(
        initial={
            "city": profile.city,
            "radius_km": profile.radius_km,
            "any_distance": profile.any_distance,
            "weekly": profile.weekly,
        }
    )
    feed_url = site_url() + reverse("fans:feed", args=[profile.feed_token]) if profile.pk else ""
    return {
        "profile": profile,
        "rows": rows,
        "form": form,
        "follows": selectors.follows_of(user=request.user),
        "asks": selectors.asks_of(user=request.user),
        "feed_url": feed_url,
        "webcal_url": "webcal://" + feed_url.split("://", 1)[-1] if feed_url else "",
    }


@login_required
@require_POST
def settings_save(request: HttpRequest) -> HttpResponse:
    profile = services.fan_profile_get(user=request.user)
    form = ProfileForm(request.POST)
    if not form.is_valid():
        return render(request, "fans/home.html", _home_context(request, profile, form), status=400)
    data = form.cleaned_data
    services.fan_profile_update(
        user=request.user,
        city=data["city"],
        radius_km=data["radius_km"],
        any_distance=data["any_distance"],
        weekly=data["weekly"],
    )
    messages.success(request, gettext("Saved."))
    return redirect("fans:home")


@login_required
@require_POST
def feed_rotate(request: HttpRequest) -> HttpResponse:
    first = selectors.profile_of(user=request.user) is None
    services.fan_feed_rotate(user=request.user)
    if first:
        messages.success(request, gettext("Your calendar address is ready: subscribe to it below."))
    else:
        messages.success(request, gettext("New link made. The old address no longer works: subscribe again."))
    return redirect("fans:home")


def _show_event(slot: Slot, now: dt.datetime) -> FeedEvent:
    status, _label = show_status(slot, now=now)
    cancelled = status == "cancelled" or slot.headliner_booked == 0
    names = ", ".join(act.band.name for act in lineup_sorted(slot.acts)) or gettext("Live music")
    url = site_url() + reverse("bookings:show_detail", args=[slot.pk])
    return FeedEvent(
        uid=f"show-{slot.pk}@stageslot",  # the show's own UID, as its single calendar file has it
        summary=slot.title or gettext("%(names)s at %(place)s") % {"names": names, "place": slot.place_label},
        starts_at=slot.starts_at,
        ends_at=slot.ends_at,
        status="CANCELLED" if cancelled else "CONFIRMED",
        sequence=slot.sequence,
        modified_at=slot.updated_at,
        description=f"{names}\n\n{url}",
        location=", ".join(p for p in (slot.place_label, slot.place_address_line) if p),
        url=url,
    )


@require_safe
@reads_from_replica
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The fan's calendar at a secret address (no login): their shows, cancelled ones kept, 304 when
    unchanged."""
    profile = selectors.profile_by_token(token=token)
    if profile is None:
        raise Http404("No calendar at this address.")
    now = timezone.now()
    events = [_show_event(s, now) for s in selectors.feed_shows(profile=profile, now=now)]
    body = feed_render(name=gettext("My shows on StageSlot"), events=events)
    return feed_response(request, body=body, filename="stageslot-my-shows.ics")


# ---- Follow and ask buttons -------------------------------------------------------------------------------


KINDS = ("band", "venue")


def _thing(kind: str, pk: int) -> Band | Venue:
    found = None
    if kind == "band":
        found = selectors.band_followable(pk=pk)
    elif kind == "venue":
        found = selectors.venue_followable(pk=pk)
    if found is None:
        raise Http404("Nothing to follow here.")
    return found


def _button(request: HttpRequest, kind: str, thing, following: bool, status: int = 200) -> HttpResponse:
    context = {"kind": kind, "thing": thing, "following": following}
    return render(request, "fans/partials/_follow.html", context, status=status)


@require_GET
def follow_button(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    thing = _thing(kind, pk)
    following = selectors.is_following(user=request.user, **{kind: thing})
    return _button(request, kind, thing, following)


@require_POST
def follow(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """Follow (on=1) or stop following (on=0) one band or venue; a visitor is asked to sign up first."""
    limited = _limited(request)
    if limited is not None:
        return limited
    band = selectors.band_followable(pk=pk) if kind == "band" else None
    venue = selectors.venue_followable(pk=pk) if kind == "venue" else None
    if band is None and venue is None:
        return _refused(request, gettext("This band or venue cannot be followed."), status=404)
    on = request.POST.get("on", "1") != "0"
    if not request.user.is_authenticated:
        if on:
            services.pending_add(request.session, kind=kind, pk=pk)
        return _to_join(request)
    try:
        following = services.follow_set(user=request.user, on=on, band=band, venue=venue)
    except services.FanError as exc:
        return _refused(request, str(exc))
    if is_partial(request):
        return _button(request, kind, band or venue, following)
    return redirect("bands:detail", band.slug) if band else redirect("venues:detail", venue.slug)


@require_GET
def show_buttons(request: HttpRequest, pk: int) -> HttpResponse:
    """The follow buttons of a public show: each act on its bill and its venue."""
    slot = show_public(pk=pk)
    if slot is None:
        raise Http404("No such show.")
    acts = [act.band for act in show_lineup(slot=slot) if act.band.is_public]
    venue = slot.venue or slot.place_venue
    buttons = [("band", b, selectors.is_following(user=request.user, band=b)) for b in acts]
    if venue is not None and venue.is_public:
        buttons.append(("venue", venue, selectors.is_following(user=request.user, venue=venue)))
    return render(request, "fans/partials/_show_buttons.html", {"buttons": buttons})


def _ask_box(request: HttpRequest, band: Band, form: AskForm | None = None, status: int = 200) -> HttpResponse:
    asks = selectors.asks_of(user=request.user, band=band) if request.user.is_authenticated else []
    member = selectors.is_band_member(user=request.user, band=band)
    context = {"band": band, "form": form or AskForm(auto_id="ask_%s"), "asks": asks, "member": member}
    return render(request, "fans/partials/_ask.html", context, status=status)


@require_GET
def ask_box(request: HttpRequest, pk: int) -> HttpResponse:
    band = selectors.band_followable(pk=pk)
    if band is None:
        raise Http404("No such band.")
    return _ask_box(request, band)


@require_POST
def ask(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask the band to play a city (a real one of the gazetteer); a visitor signs up first."""
    limited = _limited(request)
    if limited is not None:
        return limited
    band = selectors.band_followable(pk=pk)
    if band is None:
        return _refused(request, gettext("This band cannot be asked to come."), status=404)
    form = AskForm(request.POST, auto_id="ask_%s")
    if not form.is_valid():
        return _ask_box(request, band, form, status=400)
    city = form.cleaned_data["city"]
    if not request.user.is_authenticated:
        services.pending_add(request.session, kind="ask", pk=band.pk, city_id=city.pk)
        return _to_join(request)
    try:
        services.ask_set(user=request.user, band=band, city=city, on=True)
    except services.FanError as exc:
        return _refused(request, str(exc))
    return _ask_box(request, band) if is_partial(request) else redirect("bands:detail", band.slug)


@login_required
@require_POST
def ask_withdraw(request: HttpRequest, pk: int, city_id: int) -> HttpResponse:
    band = selectors.band_of(pk=pk)
    city = selectors.city_of(pk=city_id)
    if band is None or city is None:
        raise Http404("No such city.")
    services.ask_set(user=request.user, band=band, city=city, on=False)
    return _ask_box(request, band) if is_partial(request) else redirect("fans:home")


# ---- What a band or venue sees ------------------------------------------------------------------------


@login_required
@require_GET
def band_audience(request: HttpRequest, slug: str) -> HttpResponse:
    """The band's followers and asks by city, for its members: counts, "fewer than 5", never who."""
    band = selectors.band_of(slug=slug)
    if band is None:
        raise Http404("No such band.")
    if not selectors.is_band_member(user=request.user, band=band):
        raise PermissionDenied(gettext("Only the band's members see its audience."))
    context = {
        "thing": band,
        "followers": selectors.followers_by_city(band=band, now=timezone.now()),
        "asks": selectors.asks_by_city(band=band, now=timezone.now()),
    }
    return render(request, "fans/audience.html", context)


@login_required
@require_GET
def venue_audience(request: HttpRequest, slug: str) -> HttpResponse:
    venue = selectors.venue_of(slug=slug)
    if venue is None:
        raise Http404("No such venue.")
    if not selectors.is_venue_staff(user=request.user, venue=venue):
        raise PermissionDenied(gettext("Only the venue's staff see its audience."))
    return render(
        request,
        "fans/audience.html",
        {"thing": venue, "followers": selectors.followers_by_city(venue=venue, now=timezone.now())},
    )


# ---- What's on ------------------------------------------------------------------------------------------


def _days(when: str, zone: zoneinfo.ZoneInfo, now: dt.datetime) -> tuple[dt.datetime | None, dt.datetime | None]:
    """ "tonight": from now to 06:00 tomorrow; "weekend": Friday 18:00 to Monday 06:00 (this one, or the
    coming one), in the zone of the place asked about."""
    local = now.astimezone(zone)
    if when == "tonight":
        end = (local + dt.timedelta(days=1)).replace(hour=6, minute=0, second=0, microsecond=0)
        return now, end
    if when == "weekend":
        friday = (local - dt.timedelta(days=(local.weekday() - 4) % 7)).date()
        if local.weekday() < 4:
            friday = local.date() + dt.timedelta(days=4 - local.weekday())
        start = dt.datetime.combine(friday, dt.time(18), tzinfo=zone)
        end = dt.datetime.combine(friday + dt.timedelta(days=3), dt.time(6), tzinfo=zone)
        return max(start, now), end
    return None, None


def _whats_on_ask(form: WhatsOnForm, now: dt.datetime) -> tuple[selectors.WhatsOn, str]:
    data = form.cleaned_data
    near, problem = None, ""
    if data.get("near"):
        try:
            near = Near(city=city_from_input(data["near"]), km=data.get("km") or DEFAULT_RADIUS_KM)
        except PlaceNotFound as exc:
            problem = str(exc)
    zone = zoneinfo.ZoneInfo(near.city.time_zone) if near else zoneinfo.ZoneInfo(settings.TIME_ZONE)
    first, last = _days(data.get("when") or "", zone, now)
    if data.get("start"):
        first = dt.datetime.combine(data["start"], dt.time(0), tzinfo=zone)
    if data.get("end"):
        last = dt.datetime.combine(data["end"] + dt.timedelta(days=1), dt.time(0), tzinfo=zone)
    return selectors.WhatsOn(near=near, first_day=first, last_day=last, genre=data.get("genre") or ""), problem


def _cards(page, now: dt.datetime) -> list[dict]:
    site = site_url()
    cards = []
    for slot in page:
        lineup = lineup_sorted(slot.acts)
        status, status_label = show_status(slot, now=now)
        url = site + reverse("bookings:show_detail", args=[slot.pk])
        ld = show_json_ld(slot=slot, lineup=lineup, status=status, site=site, url=url)
        cards.append(
            {
                "show": slot,
                "acts": lineup,
                "when": when_text(slot.starts_at, slot.ends_at, slot.zone),
                "status_label": status_label,
                "tickets": [t for t in slot.tickets.all() if t.url] if status == "on_sale" else [],
                "distance": distance_text(getattr(slot, "distance_km", None)),
                "ld": ld,
            }
        )
    return cards


# A visitor's What's on is the same page for every visitor: drawn once a minute per address and language.
WHATS_ON_KEEP_SECONDS = 60


def _whats_on_key(request: HttpRequest) -> str:
    digest = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:32]
    return f"fans-whats-on:{get_language()}:{digest}"


@require_safe
@reads_from_replica
def whats_on(request: HttpRequest) -> HttpResponse:
    """Public shows by city, dates, genre and distance, "tonight" and "this weekend". The same page for
    every visitor: no session is read or written for one, caches may keep it (public, 5 minutes), and
    this process keeps it a minute."""
    anonymous = not request.user.is_authenticated and not is_partial(request)
    if anonymous:
        kept = caches["fragments"].get(_whats_on_key(request))
        if kept is not None:
            response = HttpResponse(kept[0], status=kept[1])
            patch_cache_control(response, public=True, max_age=300)
            return response
    now = timezone.now()
    form = WhatsOnForm(request.GET or None)
    ask_, problem = (selectors.WhatsOn(None, None, None), "")
    if form.is_bound and form.is_valid():
        ask_, problem = _whats_on_ask(form, now)
    page = selectors.whats_on(ask=ask_, now=now, page=request.GET.get("page"), viewer=request.user)
    cards = _cards(page, now)
    json_ld = json.dumps([c["ld"] for c in cards], ensure_ascii=False).translate(_SCRIPT_ESCAPES)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "cards": cards,
        "page": page,
        "problem": problem,
        "near": ask_.near,
        "json_ld": mark_safe(json_ld),  # noqa: S308
        "query": query.urlencode(),
        "city_ics": reverse("shows_city_ics", args=[ask_.near.city.pk]) if ask_.near else "",
    }
    template = "fans/whats_on.html#results" if is_partial(request) else "fans/whats_on.html"
    response = render(request, template, context, status=400 if form.is_bound and form.errors else 200)
    if not request.user.is_authenticated:
        response.cookies.clear()
        patch_cache_control(response, public=True, max_age=300)
        if anonymous:
            caches["fragments"].set(
                _whats_on_key(request), (response.content, response.status_code), WHATS_ON_KEEP_SECONDS
            )
    return response


@require_safe
def city_ics(request: HttpRequest, city_id: int) -> HttpResponse:
    """The public shows within 50 km of a city as a calendar anyone may subscribe to."""
    city = selectors.city_of(pk=city_id)
    if city is None:
        raise Http404("No such city.")
    now = timezone.now()
    ask_ = selectors.WhatsOn(near=Near(city=city, km=DEFAULT_RADIUS_KM), first_day=None, last_day=None)
    shows = selectors.whats_on_all(ask=ask_, now=now)
    body = feed_render(
        name=gettext("Shows near %(city)s") % {"city": city.name}, events=[_show_event(s, now) for s in shows]
    )
    response = feed_response(request, body=body, filename=f"stageslot-shows-{city.pk}.ics")
    patch_cache_control(response, public=True)
    return response
