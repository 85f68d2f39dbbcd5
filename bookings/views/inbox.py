"""The inbox: every booking the viewer is part of, in four tabs, filtered by role for people with several."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from core.web.htmx import HtmxHttpRequest, render_page

from ..forms.inbox import InboxForm
from ..selectors.inbox import TABS, inbox_bookings, inbox_counts, inbox_roles, inbox_rows

PAGE_SIZE = 20
EMPTY = {
    "answer": gettext_lazy("Nothing is waiting for your answer."),
    "waiting": gettext_lazy("You are not waiting for anyone’s answer."),
    "upcoming": gettext_lazy("No gigs booked yet."),
    "history": gettext_lazy("No past bookings yet: declined, withdrawn, cancelled and played gigs end up here."),
}


class CountedPaginator(Paginator):
    """A paginator told its count: the inbox counts every tab in one query already."""

    def __init__(self, object_list, per_page: int, *, count: int) -> None:
        super().__init__(object_list, per_page)
        self._known = count

    @cached_property
    def count(self) -> int:
        return self._known


@login_required
@require_GET
def inbox(request: HtmxHttpRequest) -> HttpResponse:
    """Everything the viewer is part of, in four tabs; the filter appears for people with several roles."""
    roles = inbox_roles(user=request.user)
    form = InboxForm(request.GET or None, tabs=list(TABS.items()), shows=roles.show_choices())
    show = form.value("show")
    counts = inbox_counts(roles=roles, show=show)
    tab = form.value("tab") or next((t for t in ("answer", "waiting", "upcoming") if counts[t]), "history")
    paginator = CountedPaginator(inbox_bookings(roles=roles, show=show, tab=tab), PAGE_SIZE, count=counts[tab])
    page = paginator.get_page(form.value("page"))
    zone = timezone.get_current_timezone()
    # Several roles: a filter is worth its space. A person with one band and no requests needs none.
    several = len(roles.band_ids) + len(roles.staff) + (1 if counts["requests"] else 0) > 1
    context = {
        "tabs": [(key, label, counts[key]) for key, label in TABS.items()],
        "tab": tab,
        "tab_label": TABS[tab],
        "empty": EMPTY[tab],
        "show": show or "",
        "shows": roles.show_choices() if several else [],
        "form": form,
        "rows": inbox_rows(roles=roles, bookings=list(page.object_list), zone=zone, tab=tab),
        "page_obj": page,
        "page_range": paginator.get_elided_page_range(page.number, on_each_side=1, on_ends=1),
        "time_zone": zone.key,
        "has_roles": bool(roles.band_ids or roles.staff or counts["requests"]),
        "total": sum(counts[key] for key in TABS),
    }
    return render_page(request, "bookings/inbox/inbox.html", context, partial="list")
