import datetime as dt

from django.urls import path, register_converter

from . import views


class DateConverter:
    """A local date written YYYY-MM-DD; an impossible one (2027-02-30) is a 404."""

    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value: str) -> dt.date:
        return dt.date.fromisoformat(value)

    def to_url(self, value: dt.date) -> str:
        return value.isoformat()


register_converter(DateConverter, "isodate")

app_name = "availability"

urlpatterns = [
    path("", views.calendar_page, name="calendar"),
    path("rules/", views.rules_page, name="rules"),
    path("rules/new/", views.rule_add, name="rule_add"),
    path("rules/<int:pk>/", views.rule_edit, name="rule_edit"),
    path("rules/<int:pk>/delete/", views.rule_delete, name="rule_delete"),
    path("rules/<int:pk>/<isodate:on>/", views.occurrence, name="occurrence"),
    path("rules/<int:pk>/<isodate:on>/change/", views.occurrence_edit, name="occurrence_edit"),
    path("rules/<int:pk>/<isodate:on>/skip/", views.occurrence_skip, name="occurrence_skip"),
    path("imported/", views.imports_page, name="imports"),
    path("imported/<int:pk>/refresh/", views.import_refresh, name="import_refresh"),
    path("imported/<int:pk>/remove/", views.import_remove, name="import_remove"),
]
