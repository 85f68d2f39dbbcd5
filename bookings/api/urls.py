"""Every router of the API on the one API object; stageslot/urls.py mounts it at /api/v1/."""

from . import bookings, me, search
from .core import api

api.add_router("", search.router)
api.add_router("", bookings.router)
api.add_router("", me.router)
