import pytest

from places.models import City


@pytest.fixture
def empty_gazetteer(db):
    """No cities but those the test makes (the migrations load the whole gazetteer, and a test
    database that a transactional test flushed has none: tests never count on either)."""
    City.objects.all().delete()
