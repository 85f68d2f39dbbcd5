"""Staff screens for reviews: reported reviews and no-show reports to decide, hiding and restoring with a
reason, and the log of every step."""

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.functional import Promise
from django.utils.translation import gettext, ngettext_lazy
from django.utils.translation import gettext_lazy as _

from bands.admin import action_with_form
from core.admin_export import StaffExportMixin

from .models import ModerationLog, Review, ReviewReport
from .resources import ReviewResource
from .services import (
    ReviewError,
    no_show_confirm,
    no_show_dismiss,
    reports_dismiss,
    review_hide,
    review_restore,
)


class ModerationReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text=_("The author's side reads this, so say which rule the review breaks."),
    )


class ReportedFilter(admin.SimpleListFilter):
    title = _("to decide")
    parameter_name = "todo"

    def lookups(self, request, model_admin):
        return [
            ("reported", gettext("Open reports")),
            ("no_show", gettext("No-show reports waiting")),
            ("hidden", gettext("Hidden")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "reported":
            return queryset.filter(reports__resolved_at__isnull=True, reports__isnull=False).distinct()
        if self.value() == "no_show":
            return queryset.filter(no_show=True, no_show_confirmed_at__isnull=True, no_show_dismissed_at__isnull=True)
        if self.value() == "hidden":
            return queryset.filter(hidden_at__isnull=False)
        return queryset


class ReportInline(admin.TabularInline):
    model = ReviewReport
    extra = 0
    can_delete = False
    fields = ["reporter", "reason", "created_at", "resolved_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class LogInline(admin.TabularInline):
    model = ModerationLog
    extra = 0
    can_delete = False
    fields = ["created_at", "staff", "action", "reason"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Review)
class ReviewAdmin(StaffExportMixin, admin.ModelAdmin):
    resource_classes = [ReviewResource]
    list_display = ["__str__", "band", "venue", "overall", "no_show", "published_at", "hidden_at", "open_reports"]
    list_filter = [ReportedFilter, "author_side", "subject_side", "no_show"]
    search_fields = ["text", "band__name", "venue__name", "client__email"]
    list_select_related = ["band", "venue", "booking"]
    inlines = [ReportInline, LogInline]
    actions = ["hide", "restore", "confirm_no_show", "dismiss_no_show", "dismiss_reports"]
    readonly_fields = [f.name for f in Review._meta.fields]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .annotate(open_report_count=Count("reports", filter=Q(reports__resolved_at__isnull=True)))
        )

    @admin.display(description=_("open reports"), ordering="open_report_count")
    def open_reports(self, obj: Review) -> int:
        return obj.open_report_count

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def _each(self, request: HttpRequest, queryset: QuerySet, step, done: Promise, **kwargs) -> None:
        """Take `step` on each review; `done` is the count's sentence (`ngettext_lazy(…, "count")`)."""
        n = 0
        for review in queryset.select_related("booking"):
            try:
                step(review=review, by=request.user, **kwargs)
            except ReviewError as exc:
                # Translators: a review, then why the step was refused for it.
                refusal = gettext("%(review)s: %(refusal)s") % {"review": review, "refusal": exc}
                self.message_user(request, refusal, messages.WARNING)
            else:
                n += 1
        if n:
            self.message_user(request, done % {"count": n}, messages.SUCCESS)

    def _with_reason(self, request, queryset, *, step, action: str, title: str, intro: str, done: Promise):
        def apply(form: ModerationReasonForm) -> None:
            self._each(request, queryset, step, done, reason=form.cleaned_data["reason"])

        return action_with_form(
            self,
            request,
            queryset,
            form_class=ModerationReasonForm,
            action=action,
            title=title,
            intro=intro,
            submit_label=title,
            apply=apply,
        )

    @admin.action(description=_("Hide from the public…"), permissions=["change"])
    def hide(self, request: HttpRequest, queryset: QuerySet) -> TemplateResponse | None:
        return self._with_reason(
            request,
            queryset,
            step=review_hide,
            action="hide",
            title=gettext("Hide reviews"),
            intro=gettext(
                "The public no longer sees these reviews and the ratings recompute; the authors read your reason."
            ),
            done=ngettext_lazy("Hid %(count)s review.", "Hid %(count)s reviews.", "count"),
        )

    @admin.action(description=_("Restore (show again)"), permissions=["change"])
    def restore(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._each(
            request,
            queryset,
            review_restore,
            ngettext_lazy("Restored %(count)s review.", "Restored %(count)s reviews.", "count"),
        )

    @admin.action(description=_("Confirm the reported no-show"), permissions=["change"])
    def confirm_no_show(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._each(
            request,
            queryset,
            no_show_confirm,
            ngettext_lazy(
                "Confirmed the no-show of %(count)s review.", "Confirmed the no-show of %(count)s reviews.", "count"
            ),
        )

    @admin.action(description=_("Dismiss the reported no-show…"), permissions=["change"])
    def dismiss_no_show(self, request: HttpRequest, queryset: QuerySet) -> TemplateResponse | None:
        return self._with_reason(
            request,
            queryset,
            step=no_show_dismiss,
            action="dismiss_no_show",
            title=gettext("Dismiss no-show reports"),
            intro=gettext("These no-show reports stay hidden; their authors read your reason."),
            done=ngettext_lazy(
                "Dismissed the no-show report of %(count)s review.",
                "Dismissed the no-show report of %(count)s reviews.",
                "count",
            ),
        )

    @admin.action(description=_("Dismiss the reports (keep the review)"), permissions=["change"])
    def dismiss_reports(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._each(
            request,
            queryset,
            reports_dismiss,
            ngettext_lazy(
                "Dismissed the reports of %(count)s review.", "Dismissed the reports of %(count)s reviews.", "count"
            ),
        )


@admin.register(ReviewReport)
class ReviewReportAdmin(admin.ModelAdmin):
    list_display = ["review", "reporter", "reason", "created_at", "resolved_at"]
    list_filter = [("resolved_at", admin.EmptyFieldListFilter)]
    list_select_related = ["review", "reporter"]
    readonly_fields = ["review", "reporter", "reason", "created_at", "resolved_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(ModerationLog)
class ModerationLogAdmin(admin.ModelAdmin):
    list_display = ["created_at", "staff", "action", "review", "reason"]
    list_filter = ["action"]
    list_select_related = ["staff", "review"]
    readonly_fields = ["created_at", "staff", "action", "review", "reason"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
