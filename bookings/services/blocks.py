"""Blocking and unblocking (decisions 0081, 0083): a person for themselves, a band's leaders and admins and
its agency's owners for the band, a venue's owners and its venue group's owners for the venue. A block stops
every new ask and message both ways (checks.contact_check) and hides each side from the other's searches; it
cancels no booked gig, withdraws nothing pending, and tells the blocked side nothing."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.blocks import Party
from accounts.models import Block, User

from ..errors import BookingPermissionError
from ..selectors.blocks import block_voices


def _may_speak_for(user: User, party: Party) -> bool:
    return any(voice.party == party for voice in block_voices(user))


def block_create(*, by: User, blocker: Party, blocked: Party) -> Block:
    """`blocker` (by themselves, or a band or venue `by` may block for) blocks `blocked`. Blocking again is
    the block already there. Raises BookingPermissionError when `by` may not speak for `blocker`,
    ValidationError when a side would block itself or its own member."""
    if not _may_speak_for(by, blocker):
        raise BookingPermissionError(_("You can block only for yourself and the bands and venues you run."))
    if blocker == blocked or blocked in {voice.party for voice in block_voices(by)}:
        raise ValidationError(_("You cannot block yourself or a band or venue you run."))
    values = {
        "blocker_kind": blocker.kind,
        "blocker_id": blocker.id,
        "blocked_kind": blocked.kind,
        "blocked_id": blocked.id,
    }
    try:
        with transaction.atomic():
            block, _made = Block.objects.get_or_create(**values, defaults={"created_by": by})
    except IntegrityError:  # two clicks at once: the other made it
        block = Block.objects.get(**values)
    return block


def block_remove(*, by: User, block: Block) -> None:
    """Lift a block made for `by` or a band or venue they may block for. Raises BookingPermissionError
    otherwise (the views answer 404 first: another's block is not theirs to see)."""
    if not _may_speak_for(by, Party(block.blocker_kind, block.blocker_id)):
        raise BookingPermissionError(_("Only who made a block, or runs the band or venue it is for, can lift it."))
    Block.objects.filter(pk=block.pk).delete()
