"""/privacy/ and /imprint/: the pages the law asks for, public (docs/decisions/0082). The operator's facts
come from settings.STAGESLOT_OPERATOR; the privacy notice's table from the person-data map and the
settings that set its periods (stageslot/privacy/notice.py)."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from accounts.policy import policy_version

from ..privacy.notice import notice_cookies, notice_processors, notice_rows


@require_safe
def privacy(request: HttpRequest) -> HttpResponse:
    context = {
        "operator": settings.STAGESLOT_OPERATOR,
        "rows": notice_rows(),
        "cookies": notice_cookies(),
        "processors": notice_processors(),
        "grace_days": settings.STAGESLOT_ACCOUNT_GRACE_DAYS,
        "backup_days": settings.STAGESLOT_BACKUP_DAYS,
        "policy_version": policy_version(),
    }
    return render(request, "stageslot/legal/privacy.html", context)


@require_safe
def imprint(request: HttpRequest) -> HttpResponse:
    return render(request, "stageslot/legal/imprint.html", {"operator": settings.STAGESLOT_OPERATOR})
