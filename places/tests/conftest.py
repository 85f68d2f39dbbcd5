import pytest

from places.models import City


@pytest.fixture
def empty_gazetteer(db):
    """No cities but those the test makes (the migrations load the whole gazetteer, and a test
    database that a transactional test flushed has none: tests never count on either).

    One DELETE statement: the ORM's delete would first look for rows that point at each of the
    ~34,000 cities, seconds per test (the foreign keys are deferred, and the test rolls back)."""
    City.objects.all()._raw_delete(City.objects.db)
