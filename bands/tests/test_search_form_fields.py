"""Search forms are built from fields prepared once per genre and country list (docs/decisions/0030,
which keeps this part of 0027): what one request changes stays in its own form, and new lists are offered at once."""

import pytest
from django.http import QueryDict

from bands.forms.search import BandSearchForm
from bands.selectors import GenreChoice
from venues.forms.search import VenueSearchForm

pytestmark = pytest.mark.django_db

ROCK = GenreChoice("rock", "Rock")


def form(query: str = "", *, genres=(ROCK,), countries=("DE",), cls=BandSearchForm):
    return cls(QueryDict(query), genres=list(genres), countries=list(countries))


def test_what_a_request_changes_stays_in_its_own_form(empty_gazetteer):
    first, second = form("near=Nowhereville&within=33"), form()
    first.fields["q"].widget.attrs["data-extra"] = "1"
    first.fields["genre"].error_messages["invalid_choice"] = "changed"
    assert "data-extra" not in second.fields["q"].widget.attrs
    assert second.fields["genre"].error_messages["invalid_choice"] != "changed"
    assert "33" in dict(first.fields["within"].widget.choices)
    assert "33" not in dict(second.fields["within"].widget.choices)
    first.is_valid()  # an unknown place: "Nearest first" leaves this form's sort list only
    assert "near" in first.errors
    assert "distance" not in dict(first.fields["sort"].widget.choices)
    assert "distance" in dict(form("near=Leeds").fields["sort"].widget.choices)
    assert form().fields["sort"].widget.choices == BandSearchForm.sort_choices


def test_new_genres_and_countries_are_offered_at_once():
    assert dict(form().fields["genre"].choices) == {"rock": "Rock"}
    jazz = GenreChoice("jazz", "Jazz")
    assert dict(form(genres=[ROCK, jazz]).fields["genre"].choices) == {"rock": "Rock", "jazz": "Jazz"}
    assert "FR" in dict(form(countries=["DE", "FR"]).fields["country"].choices)
    # A country a shared link names is offered though nothing is listed there yet, in that form only.
    assert "PL" in dict(form("country=PL").fields["country"].choices)
    assert "PL" not in dict(form().fields["country"].choices)


def test_each_form_class_has_its_own_fields():
    bands, venues = form(), form(cls=VenueSearchForm)
    assert "fee_min" in bands.fields and "fee_min" not in venues.fields
    assert "capacity_min" in venues.fields


def test_the_filters_of_a_valid_query_are_read_as_before():
    filters = form("q=owls&genre=rock&genre=nope&fee_min=100&sort=rating").filters()
    assert filters["q"] == "owls" and filters["genres"] == ["rock"] and filters["sort"] == "rating"
    assert filters["fee_min"] == 100 and filters["fee_max"] is None
