"""/admin/login/: staff log in through the site's own login page.

Django's admin login has no limit on wrong passwords; allauth's login has ACCOUNT_RATE_LIMITS
("login_failed"). So the admin's login address hands over to allauth's, with the way back to the
admin as `next`; there is one login form on the site and one set of limits.
"""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _

from core.fields.form_fields import control_character_in


def staff_login(request: HttpRequest) -> HttpResponse:
    """Anonymous: the site's login, then back to the admin page asked for. Staff: that page.
    Anyone else who is logged in: a 403 that says the admin is for staff (the login page would only
    send them back here)."""
    admin_index = reverse("admin:index")
    next_url = request.GET.get("next") or admin_index
    safe = url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    if not safe or not next_url.startswith("/") or control_character_in(next_url):
        next_url = admin_index
    user = request.user
    if user.is_authenticated:
        if user.is_active and user.is_staff:
            return redirect(next_url)
        raise PermissionDenied(
            _("The staff admin is for StageSlot staff; you are logged in as %(email)s.") % {"email": user.email}
        )
    return redirect(f"{reverse('account_login')}?{urlencode({'next': next_url})}")
