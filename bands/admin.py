"""Staff screens for genres and bands: review, approve, suspend, merge genres."""

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.functional import Promise
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _
from django_countries.filters import CountryFilter

from core.admin_export import StaffExportMixin

from .models import ApprovalStatus, Band, BandEmbed, BandPhoto, Genre, Membership
from .resources import BandResource
from .selectors import count_of
from .services import band_set_status, bands_place_match, genre_merge

ACTION_FORM_TEMPLATE = "admin/stageslot_action_form.html"


def action_with_form(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet,
    *,
    form_class: type[forms.Form],
    action: str,
    title: str | Promise,
    intro: str | Promise,
    submit_label: str | Promise,
    apply: Callable[[forms.Form], None],
) -> TemplateResponse | None:
    """Ask for the action's input on a page of its own, then run `apply` with the valid form."""
    form = form_class(request.POST if "apply" in request.POST else None)
    if form.is_bound and form.is_valid():
        apply(form)
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "opts": modeladmin.model._meta,
        "title": title,
        "intro": intro,
        "queryset": queryset,
        "form": form,
        "action": action,
        "submit_label": submit_label,
        "action_checkbox_name": ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, ACTION_FORM_TEMPLATE, context)


class StatusReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("The members see this on their page, so say what they can do about it."),
    )


def status_badge(status: str, label: str) -> str:
    tone = {ApprovalStatus.APPROVED: "✔", ApprovalStatus.PENDING: "…", ApprovalStatus.SUSPENDED: "✖"}[status]
    return format_html("{} {}", tone, label)


# ---- Genres -------------------------------------------------------------------------------------


class GenreMergeForm(forms.Form):
    target = forms.ModelChoiceField(
        label=_("Merge into"),
        queryset=Genre.objects.order_by("name"),
        help_text=_("Bands and venues with any of the selected genres get this one; the others are deleted."),
    )


@admin.register(Genre)
class GenreAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "band_count", "venue_count")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    actions = ["merge_genres"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Genre]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                band_total=count_of(Band.genres.through, "genre"),
                venue_total=count_of(Genre.venues.through, "genre"),
            )
        )

    @admin.display(description=_("Bands"), ordering="band_total")
    def band_count(self, genre: Genre) -> int:
        return genre.band_total

    @admin.display(description=_("Venues"), ordering="venue_total")
    def venue_count(self, genre: Genre) -> int:
        return genre.venue_total

    @admin.action(description=_("Merge selected genres into…"), permissions=["change"])
    def merge_genres(self, request: HttpRequest, queryset: QuerySet[Genre]) -> TemplateResponse | None:
        selected = list(queryset)

        def apply(form: GenreMergeForm) -> None:
            target = form.cleaned_data["target"]
            merged = genre_merge(sources=selected, target=target)
            if merged:
                self.message_user(
                    request,
                    ngettext(
                        "Merged %(count)s genre into “%(genre)s”.", "Merged %(count)s genres into “%(genre)s”.", merged
                    )
                    % {"count": merged, "genre": target},
                    messages.SUCCESS,
                )
            else:
                self.message_user(request, gettext("Pick a genre other than the ones being merged."), messages.WARNING)

        return action_with_form(
            self,
            request,
            queryset,
            form_class=GenreMergeForm,
            action="merge_genres",
            title=gettext("Merge genres"),
            intro=gettext(
                "These genres will be merged into the one you pick; bands and venues keep their other genres."
            ),
            submit_label=gettext("Merge genres"),
            apply=apply,
        )


# ---- Bands ----------------------------------------------------------------------------------------


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("user",)
    fields = ("user", "role", "instrument", "required", "joined_at")
    readonly_fields = ("joined_at",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Membership]:
        return super().get_queryset(request).select_related("user")


class PhotoInline(admin.TabularInline):
    """Staff can caption, reorder or remove photos; uploads go through the manage pages, which re-encode them."""

    extra = 0
    fields = ("preview", "caption", "position")
    readonly_fields = ("preview",)

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description=_("Photo"))
    def preview(self, photo) -> str:
        return format_html('<img src="{}" alt="" style="max-height:80px;border-radius:4px">', photo.image.url)


class BandPhotoInline(PhotoInline):
    model = BandPhoto


class BandEmbedInline(admin.TabularInline):
    model = BandEmbed
    extra = 0
    fields = ("provider", "source_url", "title", "position")
    readonly_fields = ("provider", "source_url")

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


class CityMatchedFilter(admin.SimpleListFilter):
    """Rows whose typed city names no single city of the gazetteer are "no": staff match them, by
    picking the city on the row or with the action "Match the city again"; nothing is guessed."""

    title = _("city matched")
    parameter_name = "city_matched"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("yes", gettext("Yes")), ("no", gettext("No (a city is typed but not matched)"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "yes":
            return queryset.filter(place__isnull=False)
        if self.value() == "no":
            return queryset.filter(place__isnull=True).exclude(city="")
        return queryset


@dataclass(frozen=True)
class StatusWords:
    """The status actions' sentences in the words of one kind of listing (bands, venues): each sentence
    whole, the counted ones with their plural (`ngettext_lazy(…, "count")`), so translators read them as
    staff do."""

    approved: Promise  # Approved %(count)s …
    suspended: Promise  # Suspended %(count)s …
    returned: Promise  # Returned %(count)s … to review.
    matched: Promise  # Matched the city of %(count)s …
    unmatched: Promise  # %(count)s … stay unmatched … %(names)s.
    suspend_title: Promise
    suspend_intro: Promise


class StatusActionsMixin:
    """Approve / suspend (with a reason) / return to review, each through the app's status service.

    Also the list and form settings that band and venue admins share, and matching typed cities to
    the gazetteer again (`places_match`, the app's service).
    """

    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_filter = ("status", CityMatchedFilter, "genres", ("country", CountryFilter), "city")
    list_select_related = ("place",)
    search_fields = ("name", "city")
    prepopulated_fields = {"slug": ("name",)}
    autocomplete_fields = ("genres", "place")
    readonly_fields = ("status", "status_reason", "status_changed_at", "created_at", "updated_at")
    actions = ["approve", "suspend", "return_to_review", "match_city"]
    list_per_page = 50

    set_status: Callable[..., object]
    places_match: Callable[..., tuple[list, list]]
    thing: str
    words: StatusWords

    def get_changeform_initial_data(self, request: HttpRequest) -> dict:
        # "?place=abc" on the add page: the autocomplete widget would look the id up and fail (500).
        initial = super().get_changeform_initial_data(request)
        if not str(initial.get("place", "0")).isdigit():
            del initial["place"]
        return initial

    @admin.display(description=_("City in the gazetteer"), ordering="place__name")
    def place_display(self, obj) -> str:
        return obj.place.label if obj.place_id else "—"

    @admin.action(description=_("Match the city again"), permissions=["change"])
    def match_city(self, request: HttpRequest, queryset: QuerySet) -> None:
        matched, unmatched = self.places_match(**{f"{self.thing}s": queryset.select_related(None)})
        self.message_user(
            request,
            self.words.matched % {"count": len(matched)},
            messages.SUCCESS if matched else messages.INFO,
        )
        if unmatched:
            names = "; ".join(
                # Translators: a listing's name and the city name typed on it, e.g. Jazz Cellar (“Hamburgh”).
                gettext("%(name)s (“%(city)s”)") % {"name": row.name, "city": row.city}
                for row in unmatched[:20]
            )
            if len(unmatched) > 20:
                more = len(unmatched) - 20
                # Translators: the first twenty names, then how many more there are.
                names = ngettext("%(names)s and %(count)s more", "%(names)s and %(count)s more", more) % {
                    "names": names,
                    "count": more,
                }
            self.message_user(
                request,
                self.words.unmatched % {"count": len(unmatched), "names": names},
                messages.WARNING,
            )

    @admin.display(description=_("Status"), ordering="status")
    def status_display(self, obj) -> str:
        return status_badge(obj.status, obj.get_status_display())

    def _set_status(self, request: HttpRequest, queryset: QuerySet, status: str, reason: str = "") -> int:
        changed = 0
        for obj in queryset:
            self.set_status(**{self.thing: obj}, status=status, reason=reason, by=request.user)
            changed += 1
        return changed

    @admin.action(description=_("Approve: list publicly"), permissions=["change"])
    def approve(self, request: HttpRequest, queryset: QuerySet) -> None:
        n = self._set_status(request, queryset, ApprovalStatus.APPROVED)
        self.message_user(request, self.words.approved % {"count": n}, messages.SUCCESS)

    @admin.action(description=_("Suspend: hide from public pages…"), permissions=["change"])
    def suspend(self, request: HttpRequest, queryset: QuerySet) -> TemplateResponse | None:
        def apply(form: StatusReasonForm) -> None:
            n = self._set_status(request, queryset, ApprovalStatus.SUSPENDED, form.cleaned_data["reason"])
            self.message_user(request, self.words.suspended % {"count": n}, messages.SUCCESS)

        return action_with_form(
            self,
            request,
            queryset,
            form_class=StatusReasonForm,
            action="suspend",
            title=self.words.suspend_title,
            intro=self.words.suspend_intro,
            submit_label=gettext("Suspend"),
            apply=apply,
        )

    @admin.action(description=_("Return to review (unlist)"), permissions=["change"])
    def return_to_review(self, request: HttpRequest, queryset: QuerySet) -> None:
        n = self._set_status(request, queryset, ApprovalStatus.PENDING)
        self.message_user(request, self.words.returned % {"count": n}, messages.SUCCESS)


@admin.register(Band)
class BandAdmin(StaffExportMixin, StatusActionsMixin, admin.ModelAdmin):
    resource_classes = [BandResource]
    set_status = staticmethod(band_set_status)
    places_match = staticmethod(bands_place_match)
    thing = "band"
    words = StatusWords(
        approved=ngettext_lazy(
            "Approved %(count)s band: it is listed publicly now.",
            "Approved %(count)s bands: they are listed publicly now.",
            "count",
        ),
        suspended=ngettext_lazy("Suspended %(count)s band.", "Suspended %(count)s bands.", "count"),
        returned=ngettext_lazy("Returned %(count)s band to review.", "Returned %(count)s bands to review.", "count"),
        matched=ngettext_lazy("Matched the city of %(count)s band.", "Matched the city of %(count)s bands.", "count"),
        unmatched=ngettext_lazy(
            # Translators: %(names)s lists the bands, each with the city name typed on it.
            "%(count)s band stays unmatched: its city names no single city in the gazetteer. "
            "Pick the city on it: %(names)s.",
            "%(count)s bands stay unmatched: their city names no single city in the gazetteer. "
            "Pick the city on each: %(names)s.",
            "count",
        ),
        suspend_title=_("Suspend bands"),
        suspend_intro=_("These bands disappear from public pages; their people still see them, with your reason."),
    )
    list_display = ("name", "status_display", "city", "country", "place_display", "member_count", "created_at")
    inlines = [MembershipInline, BandPhotoInline, BandEmbedInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Band]:
        return super().get_queryset(request).annotate(member_total=count_of(Membership, "band"))

    @admin.display(description=_("Members"), ordering="member_total")
    def member_count(self, band: Band) -> int:
        return band.member_total
