"""/me/profile/: the person's own name, time zone, language and picture."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from ..forms.profile import ProfileForm
from ..services import user_profile_update


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
            messages.success(request, _("Your profile is saved."))
            return redirect("accounts:profile")
        status = 400
    else:
        form = ProfileForm(
            initial={"display_name": user.display_name, "time_zone": user.time_zone, "language": user.language}
        )
        status = 200
    return render(request, "accounts/profile.html", {"form": form}, status=status)
