"""Who plays and what is played through the API: members' answers, stand-in requests, songs and set lists.
Mounted on the one API object by stageslot/urls.py, since gigs sits above bookings."""

from ninja import Router

from bookings.api.core import token_auth

from . import answers, set_lists, stand_ins

router = Router(auth=token_auth, tags=["gigs"])
router.add_router("", answers.router)
router.add_router("", stand_ins.router)
router.add_router("", set_lists.router)
