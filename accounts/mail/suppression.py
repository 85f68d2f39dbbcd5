"""Addresses we stop sending notification mail to (a hard bounce, a spam complaint), and lifting that."""

from ..models import MailSuppression, User


def _normal(email: str) -> str:
    return email.strip().casefold()


def mail_suppressed(*, email: str) -> bool:
    """Whether notification mail to `email` is held back. Security mail never asks."""
    return bool(email) and MailSuppression.objects.filter(email=_normal(email)).exists()


def mail_suppressed_among(*, emails: list[str]) -> set[str]:
    """Which of `emails` are held back, as their normal form (casefolded): mail_suppressed for many in one query."""
    wanted = {_normal(e) for e in emails if e}
    if not wanted:
        return set()
    return set(MailSuppression.objects.filter(email__in=wanted).values_list("email", flat=True))


def mail_normal(email: str) -> str:
    """The form an address is kept in among the suppressions."""
    return _normal(email)


def mail_suppression_of(*, user: User) -> MailSuppression | None:
    """The suppression of the person's current address, if any (for the banner on their settings)."""
    return MailSuppression.objects.filter(email=_normal(user.email)).first() if user.email else None


def mail_suppression_add(*, email: str, reason: str, detail: str = "", esp: str = "") -> bool:
    """Hold back notification mail to `email`; returns whether it was new (a repeat changes nothing)."""
    _row, created = MailSuppression.objects.get_or_create(
        email=_normal(email), defaults={"reason": reason, "detail": detail[:300], "esp": esp[:40]}
    )
    return created


def mail_suppression_lift(*, user: User) -> bool:
    """The person says their current address works again: send to it once more. Returns whether one was lifted.
    A new bounce or complaint suppresses it again."""
    deleted, _ = MailSuppression.objects.filter(email=_normal(user.email)).delete()
    return bool(deleted)
