from datetime import timedelta

import factory
from django.utils import timezone

from accounts.tests.factories import UserFactory
from bands.models import ApprovalStatus, Band, BandInvite, Genre, Membership


class GenreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Genre
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Genre {n}")
    slug = factory.LazyAttribute(lambda o: o.name.lower().replace(" ", "-"))


class BandFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Band
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Band {n}")
    slug = factory.Sequence(lambda n: f"band-{n}")
    bio = "We play loud and we play on time."
    city = "Berlin"
    country = "DE"
    time_zone = "Europe/Berlin"
    fee_min = 300
    fee_max = 900
    status = ApprovalStatus.APPROVED

    @factory.post_generation
    def genres(self, create: bool, extracted, **kwargs) -> None:
        if create and extracted:
            self.genres.add(*extracted)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    band = factory.SubFactory(BandFactory)
    user = factory.SubFactory(UserFactory)
    role = Membership.Role.MEMBER
    instrument = "Guitar"
    required = True


class BandInviteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BandInvite

    band = factory.SubFactory(BandFactory)
    max_uses = 1
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))


class BandPhotoFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "bands.BandPhoto"

    band = factory.SubFactory(BandFactory)
    image = factory.django.ImageField(width=64, height=48, format="JPEG", filename="photo.jpg")
    caption = "The band on stage"
    position = factory.Sequence(lambda n: n + 1)


class BandEmbedFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "bands.BandEmbed"

    band = factory.SubFactory(BandFactory)
    provider = "youtube"
    source_url = "https://youtu.be/dQw4w9WgXcQ"
    embed_url = "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"
    title = "Live at the Lido"
    position = factory.Sequence(lambda n: n + 1)
