"""Staff screens for accounts: people, and the notifications sent to them (with their emails' fate)."""

from allauth.mfa.models import Authenticator
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy

from .exports import data_export_request
from .models import (
    AccountClosure,
    ApiToken,
    DataExport,
    InboundMail,
    MailEvent,
    MailSuppression,
    Notification,
    NotificationPreference,
    TwoFactorMethod,
    User,
)
from .notification_kinds import KINDS
from .services import notification_emails_resend


class StaffUserCreationForm(UserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class StaffUserChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class NotificationPreferenceInline(admin.TabularInline):
    """What the person chose on their preferences page; theirs to change, so read-only here."""

    model = NotificationPreference
    extra = 0
    can_delete = False
    fields = ("kind", "in_app", "email")
    readonly_fields = fields
    verbose_name_plural = _("Notification preferences (kinds not listed: in the app and email at once)")

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = StaffUserChangeForm
    add_form = StaffUserCreationForm
    ordering = ("email",)
    list_display = ("email", "display_name", "time_zone", "is_active", "is_staff", "date_joined", "last_login")
    list_filter = ("is_staff", "is_superuser", "is_active", "groups")
    search_fields = ("email", "display_name")
    readonly_fields = ("date_joined", "last_login")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Profile"), {"fields": ("display_name", "time_zone", "avatar")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    inlines = [NotificationPreferenceInline]
    actions = ["export_data"]

    @admin.action(description=_("Make a data archive for each (a request by letter)"))
    def export_data(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        """The same archive as the person's own "Make my archive" (accounts/exports.py): built by the worker,
        the person told by email, downloaded only by them after signing in."""
        asked = 0
        for person in queryset.filter(erased_at__isnull=True):
            data_export_request(user=person, by=request.user)
            asked += 1
        self.message_user(
            request,
            ngettext(
                "%(count)d archive is being made; its person is emailed when it is ready.",
                "%(count)d archives are being made; each person is emailed when theirs is ready.",
                asked,
            )
            % {"count": asked},
        )

    def get_inlines(self, request: HttpRequest, obj: User | None) -> list:
        # A new person has no preferences yet: the add form stays the two password fields.
        return self.inlines if obj is not None else []


class KindFilter(admin.SimpleListFilter):
    """The kinds of the catalog, by their names (no scan of the table for its distinct values)."""

    title = _("kind")
    parameter_name = "kind"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [(kind.key, kind.label) for kind in KINDS.values()]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Notification]) -> QuerySet[Notification]:
        return queryset.filter(kind=self.value()) if self.value() else queryset


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Notifications are written by the services with the change they report: staff read them here and
    can only send an email again (after a mail server outage made it fail)."""

    list_display = (
        "recipient",
        "kind",
        "text",
        "created_at",
        "read",
        "email_state",
        "email_attempts",
        "email_error",
    )
    list_filter = ("email_state", KindFilter)
    search_fields = ("recipient__email", "text")
    list_select_related = ("recipient",)
    date_hierarchy = "created_at"
    list_per_page = 50
    show_full_result_count = False
    actions = ["send_again"]
    fields = (
        "recipient",
        "kind",
        "text",
        "link",
        "data",
        "in_app",
        "read_at",
        "created_at",
        "email_state",
        "email_claimed_at",
        "email_sent_at",
        "email_attempts",
        "email_tried_at",
        "email_error",
        "dedupe_key",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_resend_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("accounts.change_notification")

    @admin.display(description=pgettext_lazy("notification", "Read"), boolean=True, ordering="read_at")
    def read(self, note: Notification) -> bool:
        return note.read_at is not None

    @admin.action(description=_("Send the email again"), permissions=["resend"])
    def send_again(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        count = notification_emails_resend(ids=queryset.values_list("pk", flat=True))
        skipped = queryset.count() - count
        self.message_user(
            request,
            ngettext("Queued %(count)s email to be sent again.", "Queued %(count)s emails to be sent again.", count)
            % {"count": count},
        )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)s left as they are: only failed or waiting emails are sent again.",
                    "%(count)s left as they are: only failed or waiting emails are sent again.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        if request.method == "GET" and request.GET.get("email_state__exact") != Notification.Email.FAILED:
            failed = Notification.objects.filter(email_state=Notification.Email.FAILED).count()
            if failed:
                failed_filter = f"email_state__exact={Notification.Email.FAILED}"
                url = f"{reverse('admin:accounts_notification_changelist')}?{failed_filter}"
                self.message_user(
                    request,
                    format_html(
                        ngettext(
                            'Failed emails: {count}. <a href="{url}">Show them</a>',
                            'Failed emails: {count}. <a href="{url}">Show them</a>',
                            failed,
                        ),
                        count=failed,
                        url=url,
                    ),
                    messages.WARNING,
                )
        return super().changelist_view(request, extra_context)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Personal access tokens: who has one, for what, when it was last used; staff can revoke, never read one."""

    list_display = ("name", "user", "prefix", "scopes", "created_at", "last_used_at", "expires_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("name", "user__email", "prefix")
    readonly_fields = ("user", "name", "scopes", "prefix", "digest", "created_at", "last_used_at", "expires_at")
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        from django.utils import timezone

        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(
            request,
            ngettext("%(count)s token revoked.", "%(count)s tokens revoked.", count) % {"count": count},
            messages.SUCCESS,
        )


# allauth registers its Authenticator with its fields' bare names; staff see the same rows in their language.
admin.site.unregister(Authenticator)


@admin.register(TwoFactorMethod)
class TwoFactorMethodAdmin(admin.ModelAdmin):
    """Read and delete only: a method is added by its owner, never by staff."""

    list_display = ("account", "kind", "added", "last_used")
    search_fields = ("user__email",)
    fields = readonly_fields = ("account", "kind", "added", "last_used")
    list_select_related = ("user",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: TwoFactorMethod | None = None) -> bool:
        return False

    @admin.display(description=_("account"), ordering="user__email")
    def account(self, method: TwoFactorMethod) -> str:
        return method.user.email

    @admin.display(description=_("kind"), ordering="type")
    def kind(self, method: TwoFactorMethod) -> str:
        return method.get_type_display()

    @admin.display(description=_("added"), ordering="created_at")
    def added(self, method: TwoFactorMethod):
        return method.created_at

    @admin.display(description=_("last used"), ordering="last_used_at")
    def last_used(self, method: TwoFactorMethod):
        return method.last_used_at


# ---- Mail in and out (docs/decisions/0080) ------------------------------------------------------


@admin.register(MailSuppression)
class MailSuppressionAdmin(admin.ModelAdmin):
    """The addresses no notification mail goes to (a hard bounce, a complaint). Deleting one sends to it again."""

    list_display = ("email", "reason", "detail", "esp", "created_at")
    list_filter = ("reason", "esp")
    search_fields = ("email",)
    readonly_fields = ("email", "reason", "detail", "esp", "created_at")
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(MailEvent)
class MailEventAdmin(admin.ModelAdmin):
    """Every delivery event the mail service sent, and what it did (recorded first, applied once)."""

    list_display = ("received_at", "esp", "kind", "outcome", "problem", "message_id")
    list_filter = ("kind", "outcome", "esp")
    search_fields = ("key", "message_id")
    date_hierarchy = "received_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: MailEvent | None = None) -> bool:
        return False


@admin.register(InboundMail)
class InboundMailAdmin(admin.ModelAdmin):
    """Emails that came in (replies to thread emails): where they went, or why they were refused."""

    list_display = ("received_at", "sender", "recipient", "subject", "size", "state", "problem")
    list_filter = ("state", "esp")
    search_fields = ("sender", "recipient", "subject", "message_key")
    exclude = ("raw",)
    date_hierarchy = "received_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: InboundMail | None = None) -> bool:
        return False


@admin.register(AccountClosure)
class AccountClosureAdmin(admin.ModelAdmin):
    """Closed accounts and their erasure (docs/decisions/0082): staff read when each is erased and what it
    waits for; the worker does the rest."""

    list_display = ("user", "requested_at", "due_at", "erased_at", "waiting_for")
    list_filter = (("erased_at", admin.EmptyFieldListFilter),)
    list_select_related = ("user",)
    readonly_fields = ("user", "requested_at", "due_at", "steps_done", "waiting_for", "erased_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(DataExport)
class DataExportAdmin(admin.ModelAdmin):
    """People's data archives: staff see their state, never their content (only the person downloads one)."""

    list_display = ("user", "state", "created_at", "ready_at", "expires_at", "size", "requested_by")
    list_filter = ("state",)
    list_select_related = ("user", "requested_by")
    exclude = ("file",)
    readonly_fields = ("user", "requested_by", "state", "claimed_at", "size", "created_at", "ready_at", "expires_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
