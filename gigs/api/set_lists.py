"""set_lists through the API."""

from ninja import Router

router = Router()
