"""The bell in the top bar, the notifications page and the notification preferences.

A notification exists only for its recipient: anyone else's id is a 404, an anonymous visitor gets
the login page (the bell, polled by every page, answers them 286 so the polling stops instead).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import trigger_client_event

from core.caching.stamps import bell_stamp_key, stamp_current, stamp_seen
from core.transport.webpush import vapid_public_key
from core.web.htmx import HtmxHttpRequest, render_page

from ..forms.notifications import NotificationFilterForm, NotificationPreferencesForm
from ..mail.suppression import mail_suppression_lift, mail_suppression_of
from ..models import Notification
from ..notifications import (
    notification_mark_read,
    notification_preferences,
    notification_preferences_save,
    notifications_for,
    notifications_mark_all_read,
    notifications_unread_count,
)
from ..people import people_drawn
from ..push import push_subscriptions_of

PAGE_SIZE = 30
CHANGED = "notifications:changed"  # the bell refreshes itself on this event
HTMX_STOP_POLLING = 286
BADGE_MAX = 99  # more shows as "99+"


def _local(request: HttpRequest, url: str) -> bool:
    """A path on this site ("/bookings/…"), never another host, however it is spelled."""
    return (
        url.startswith("/")
        and not url.startswith("//")
        and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=False)
    )


def _back(request: HttpRequest) -> HttpResponse:
    """Back to the page of the list the form was on (its `next`), else the list."""
    next_url = request.POST.get("next", "")
    if next_url.startswith("/notifications/") and _local(request, next_url):
        return redirect(next_url)
    return redirect("notifications:list")


def _mark_read(request: HtmxHttpRequest, pk: int) -> Notification:
    try:
        return notification_mark_read(user=request.user, notification_id=pk)
    except Notification.DoesNotExist:
        raise Http404("No such notification.") from None


@never_cache
@require_GET
def bell(request: HtmxHttpRequest) -> HttpResponse:
    """The bell's badge, polled by every page: nothing but a cache read while nothing changed.

    `seen` is what the page shows already, "<count>:<stamp>" (empty before the first answer). The
    stamp the services move whenever the person's notifications change (core/caching/stamps.py) still
    current answers 204 with no query, so nothing is swapped and screen readers are not told the
    same number every 15 seconds; otherwise one count on the unread index, and the same count as
    before is drawn again quietly with the new stamp.
    """
    if not request.user.is_authenticated:
        return HttpResponse(status=HTMX_STOP_POLLING)
    seen_count, _sep, seen_stamp = request.GET.get("seen", "").partition(":")
    key = bell_stamp_key(request.user.pk)
    if stamp_seen(key, seen_stamp):
        return HttpResponse(status=204)
    stamp = stamp_current(key)
    unread = notifications_unread_count(user=request.user)
    if seen_count == str(unread) and not seen_stamp:  # a page drawn before stamps: as it was
        return HttpResponse(status=204)
    status = ngettext("%(n)s unread", "%(n)s unread", unread) % {"n": unread} if unread else gettext("none unread")
    context = {
        "unread": unread,
        "stamp": stamp,
        "badge": "99+" if unread > BADGE_MAX else str(unread),
        "label": gettext("Notifications, %(status)s") % {"status": status},
        # The first answer on a page shows the count quietly; a later change is announced.
        "announce": gettext("Notifications: %(status)s") % {"status": status}
        if seen_count and seen_count != str(unread)
        else "",
    }
    return render(request, "accounts/partials/_bell.html", context)


@login_required
@require_GET
def notification_list(request: HtmxHttpRequest) -> HttpResponse:
    form = NotificationFilterForm(request.GET or None)
    unread_only = form.unread_only()
    paginator = Paginator(notifications_for(user=request.user, unread_only=unread_only), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    context = {
        "form": form,
        "unread_only": unread_only,
        "notifications": people_drawn(page.object_list, "text"),
        "page_obj": page,
        "page_range": paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1),
        "unread_total": notifications_unread_count(user=request.user),
        "time_zone": timezone.get_current_timezone_name(),
    }
    return render_page(request, "accounts/notifications/list.html", context, partial="list")


@login_required
@require_POST
def notification_open(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Open a notification: it is read now, and the page it is about opens (a link that is not a
    path on this site leads back to the list)."""
    note = _mark_read(request, pk)
    if note.link and _local(request, note.link):
        return redirect(note.link)
    return redirect("notifications:list")


@login_required
@require_POST
def notification_read(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    note = _mark_read(request, pk)
    if request.htmx:
        context = {
            "note": note,
            "marked": True,  # the row takes the focus its button had
            "time_zone": timezone.get_current_timezone_name(),
            "next": request.POST.get("next"),
        }
        response = render(request, "accounts/notifications/list.html#row", context)
        return trigger_client_event(response, CHANGED)
    return _back(request)


@login_required
@require_POST
def notification_read_all(request: HtmxHttpRequest) -> HttpResponse:
    count = notifications_mark_all_read(user=request.user)
    if count:
        messages.success(
            request,
            ngettext("Marked %(n)s notification read.", "Marked %(n)s notifications read.", count) % {"n": count},
        )
    else:
        messages.info(request, _("Nothing was unread."))
    return _back(request)


@login_required
@require_http_methods(["GET", "POST"])
def notification_settings(request: HtmxHttpRequest) -> HttpResponse:
    rows = notification_preferences(user=request.user)
    status = 200
    if request.method == "POST":
        form = NotificationPreferencesForm(request.POST, rows=rows)
        if form.is_valid():
            try:
                notification_preferences_save(user=request.user, choices=form.choices())
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Your notification settings are saved."))
                return redirect("notifications:settings")
        status = 400
    else:
        form = NotificationPreferencesForm(rows=rows)
    context = {
        "form": form,
        "time_zone": timezone.get_current_timezone_name(),
        "push_devices": push_subscriptions_of(user=request.user),
        "vapid_key": vapid_public_key(),
        "suppression": mail_suppression_of(user=request.user),
    }
    return render(request, "accounts/notifications/settings.html", context, status=status)


@login_required
@require_POST
def notification_mail_resume(request: HttpRequest) -> HttpResponse:
    """The person says their address works again after a bounce or complaint: send notification mail to it."""
    if mail_suppression_lift(user=request.user):
        messages.success(
            request, gettext("We send notification emails to %(email)s again.") % {"email": request.user.email}
        )
    else:
        messages.info(request, gettext("Notification emails already go to %(email)s.") % {"email": request.user.email})
    return redirect("notifications:settings")
