from datetime import timedelta

import factory
from django.utils import timezone

from accounts.tests.factories import UserFactory
from bands.models import ApprovalStatus
from venues.models import Stage, Venue, VenueInvite, VenuePhoto, VenueStaff


class VenueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Venue
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Venue {n}")
    slug = factory.Sequence(lambda n: f"venue-{n}")
    description = "A room with a stage and a bar."
    address = "Hauptstraße 1"
    city = "Berlin"
    country = "DE"
    time_zone = "Europe/Berlin"
    capacity = 250
    status = ApprovalStatus.APPROVED

    @factory.post_generation
    def stages(self, create: bool, extracted, **kwargs) -> None:
        if create:
            for name in extracted or ["Main stage"]:
                Stage.objects.create(venue=self, name=name)


class VenueStaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VenueStaff

    venue = factory.SubFactory(VenueFactory)
    user = factory.SubFactory(UserFactory)
    role = VenueStaff.Role.OWNER


class VenueInviteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VenueInvite

    venue = factory.SubFactory(VenueFactory)
    max_uses = 1
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))


class VenuePhotoFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VenuePhoto

    venue = factory.SubFactory(VenueFactory)
    image = factory.django.ImageField(width=64, height=48, format="WEBP", filename="photo.webp")
    caption = factory.Sequence(lambda n: f"The room, view {n}")
    position = factory.Sequence(lambda n: n)
