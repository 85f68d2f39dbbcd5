import factory
from allauth.account.models import EmailAddress

from accounts.models import User
from accounts.policy import policy_version

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    display_name = factory.Faker("name")
    time_zone = "Europe/Berlin"
    password = factory.django.Password(PASSWORD)
    # Signed up under the notice on the site now (accounts/policy.py): no banner asks them to read it.
    policy_version = factory.LazyFunction(policy_version)

    @factory.post_generation
    def verified(self, create: bool, extracted: bool | None, **kwargs) -> None:
        """A verified primary address, as after a completed signup (pass verified=False to skip)."""
        if create and extracted is not False:
            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)


def is_stamp_bump(callback) -> bool:
    """An on-commit callback that only draws a poll's new stamp (core/caching/stamps.py), not a hand-off of
    work: tests that count what a change queues leave these out."""
    return getattr(callback, "__qualname__", "").startswith("stamp_bump_tagged.")
