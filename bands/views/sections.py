"""The band's sections and minimum line-up, kept by its leaders and admins."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from .. import sections
from ..forms.sections import LineupForm, MemberSectionsForm, SectionMoveForm, SectionNameForm
from ..permissions import as_manager, band_for, form_change, render_manage
from ..selectors import band_member_of, band_members, band_section_of, band_sections, membership_sections


def _page(request: HttpRequest, band, membership, *, add_form=None, lineup_form=None, status: int = 200):
    rows = band_sections(band=band)
    chosen = membership_sections(band=band)
    members = []
    for member in band_members(band=band):
        usual, plays = chosen.get(member.pk, (None, set()))
        form = MemberSectionsForm(
            sections=[r.section for r in rows],
            prefix=f"m{member.pk}",
            initial={"usual": usual, "doubles": sorted(plays - {usual}), "occasional": member.occasional},
        )
        members.append((member, form))
    context = {
        "band": band,
        "membership": membership,
        "rows": rows,
        "members": members,
        "add_form": add_form or SectionNameForm(),
        "lineup_form": lineup_form or LineupForm(sections=rows, initial={"total": band.min_players}),
    }
    return render_manage(request, "bands/sections/page.html", context, section="sections", status=status)


@login_required
def band_sections_page(request: HttpRequest, slug: str) -> HttpResponse:
    band, membership = band_for(request, slug)
    if request.method == "POST":
        form = SectionNameForm(request.POST)
        if form.is_valid() and form_change(
            form, lambda: sections.section_add(band=band, by=request.user, name=form.cleaned_data["name"])
        ):
            messages.success(request, gettext("The section is added."))
            return redirect("bands:sections", slug=band.slug)
        return _page(request, band, membership, add_form=form, status=400)
    return _page(request, band, membership)


@login_required
@require_POST
def band_section_rename(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    band, _membership = band_for(request, slug)
    section = band_section_of(band=band, pk=pk)
    form = SectionNameForm(request.POST)
    if form.is_valid() and form_change(
        form, lambda: sections.section_rename(section=section, by=request.user, name=form.cleaned_data["name"])
    ):
        messages.success(request, gettext("The section is renamed."))
        return redirect("bands:sections", slug=band.slug)
    messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("bands:sections", slug=band.slug)


@login_required
@require_POST
def band_section_move(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    band, _ = band_for(request, slug)
    section = band_section_of(band=band, pk=pk)
    form = SectionMoveForm(request.POST)
    up = form.is_valid() and form.cleaned_data["up"]
    as_manager(lambda: sections.section_move(section=section, by=request.user, up=up))
    return redirect("bands:sections", slug=band.slug)


@login_required
@require_POST
def band_section_remove(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    band, _ = band_for(request, slug)
    section = band_section_of(band=band, pk=pk)
    as_manager(lambda: sections.section_remove(section=section, by=request.user))
    messages.success(request, gettext("The section is removed; its players stay in the band."))
    return redirect("bands:sections", slug=band.slug)


@login_required
@require_POST
def band_lineup_save(request: HttpRequest, slug: str) -> HttpResponse:
    band, membership = band_for(request, slug)
    form = LineupForm(request.POST, sections=band_sections(band=band))
    if form.is_valid() and form_change(
        form,
        lambda: sections.lineup_set(band=band, by=request.user, needs=form.needs(), total=form.cleaned_data["total"]),
    ):
        messages.success(request, gettext("The minimum line-up is saved."))
        return redirect("bands:sections", slug=band.slug)
    return _page(request, band, membership, lineup_form=form, status=400)


@login_required
@require_POST
def band_member_sections(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    band, _ = band_for(request, slug)
    member = band_member_of(band=band, pk=pk)
    form = MemberSectionsForm(
        request.POST, sections=[r.section for r in band_sections(band=band)], prefix=f"m{member.pk}"
    )
    if form.is_valid():
        as_manager(
            lambda: sections.membership_sections_set(
                membership=member,
                by=request.user,
                usual=form.cleaned_data["usual"],
                doubles=form.cleaned_data["doubles"],
                occasional=form.cleaned_data["occasional"],
            )
        )
        messages.success(request, gettext("%(name)s's sections are saved.") % {"name": member.user.name})
    else:
        messages.error(request, gettext("Choose sections of this band."))
    return redirect("bands:sections", slug=band.slug)
