"""Which version of the privacy notice and terms a person has read (docs/decisions/0084).

STAGESLOT_POLICY_VERSION names the version on the site; the operator changes it when the notice's text
changes. Signing up records the version shown on the sign-up form, with the time; a signed-in person whose
recorded version is another one sees a banner on every page until they say they have read the new one,
which records it the same way. Nothing else waits for it: the site stays readable."""

import datetime as dt

from django.conf import settings
from django.utils import timezone

from .models import User


def policy_version() -> str:
    """The version of the privacy notice and terms on the site now."""
    return settings.STAGESLOT_POLICY_VERSION


def policy_accept(*, user: User, now: dt.datetime | None = None) -> None:
    """Record that `user` has read (at sign-up: accepted) the current version, and when."""
    user.policy_version = policy_version()
    user.policy_accepted_at = now or timezone.now()
    User.objects.filter(pk=user.pk).update(
        policy_version=user.policy_version, policy_accepted_at=user.policy_accepted_at
    )


def policy_to_read(user) -> bool:
    """Whether this signed-in person has not read the current version yet (reads the loaded row only)."""
    return bool(user.is_authenticated and user.policy_version != policy_version())
