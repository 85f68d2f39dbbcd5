import datetime as dt

from django.urls import path, register_converter

from core.fields.dates import Bound, date_problem

from .views import calendar, imports, rules


class DateConverter:
    """A local date written YYYY-MM-DD; an impossible one (2027-02-30), or one out of the browsing bound
    (core/fields/dates.py: 9999-12-31 would overflow a day later), is a 404."""

    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value: str) -> dt.date:
        day = dt.date.fromisoformat(value)
        if date_problem(day, bound=Bound.BROWSE):
            raise ValueError(value)
        return day

    def to_url(self, value: dt.date) -> str:
        return value.isoformat()


register_converter(DateConverter, "isodate")

app_name = "availability"

urlpatterns = [
    # The calendar
    path("", calendar.calendar_page, name="calendar"),
    # Rules and their dates
    path("rules/", rules.rules_page, name="rules"),
    path("rules/new/", rules.rule_add, name="rule_add"),
    path("rules/<int:pk>/", rules.rule_edit, name="rule_edit"),
    path("rules/<int:pk>/delete/", rules.rule_delete, name="rule_delete"),
    path("rules/<int:pk>/<isodate:on>/", rules.occurrence, name="occurrence"),
    path("rules/<int:pk>/<isodate:on>/change/", rules.occurrence_edit, name="occurrence_edit"),
    path("rules/<int:pk>/<isodate:on>/skip/", rules.occurrence_skip, name="occurrence_skip"),
    # Imported calendars
    path("imported/", imports.imports_page, name="imports"),
    path("imported/<int:pk>/refresh/", imports.import_refresh, name="import_refresh"),
    path("imported/<int:pk>/remove/", imports.import_remove, name="import_remove"),
]
