"""stand_ins through the API."""

from ninja import Router

router = Router()
