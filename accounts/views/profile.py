"""/me/profile/: the person's own name, time zone, language, picture and what they came for; and the first
page's question, what brings them to StageSlot (/me/profile/here-for/)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from ..forms.profile import HERE_FOR_SKIPPED, HereForForm, ProfileForm
from ..services import user_here_for_set, user_profile_update


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        form = ProfileForm(request.POST, request.FILES)
        if form.is_valid():
            user_profile_update(
                user=user,
                display_name=form.cleaned_data["display_name"],
                time_zone=form.cleaned_data["time_zone"],
                language=form.cleaned_data["language"],
                avatar=form.cleaned_data["avatar"],
                remove_avatar=form.cleaned_data["remove_avatar"],
            )
            # A form without the field (an older page, a script) leaves the choice as it is.
            if "here_for" in request.POST and form.cleaned_data["here_for"] != user.here_for:
                user_here_for_set(user=user, here_for=form.cleaned_data["here_for"])
            messages.success(request, _("Your profile is saved."))
            return redirect("accounts:profile")
        status = 400
    else:
        form = ProfileForm(
            initial={
                "display_name": user.display_name,
                "time_zone": user.time_zone,
                "language": user.language,
                "here_for": user.here_for,
            }
        )
        status = 200
    return render(request, "accounts/profile.html", {"form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def here_for(request: HttpRequest) -> HttpResponse:
    """What brings you to StageSlot? Five choices; a POST records the signed-in person's own (never anyone
    else's) and leads to their dashboard's first steps. "Not now" skips the question for this session."""
    form = HereForForm(request.POST or None)
    if request.method == "POST":
        if request.POST.get("skip"):
            request.session[HERE_FOR_SKIPPED] = True
            return redirect("dashboard")
        if form.is_valid():
            user_here_for_set(user=request.user, here_for=form.cleaned_data["here_for"])
            return redirect(reverse("dashboard") + "#first-steps")
    status = 400 if form.errors else 200
    return render(request, "accounts/here_for.html", {"here_for_form": form}, status=status)
