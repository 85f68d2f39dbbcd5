"""Every router of the API on the one API object; stageslot/urls.py mounts it at /api/v1/."""

from . import bookings, me, search
from . import packages as packages_api
from .core import api

api.add_router("", search.router)
api.add_router("", bookings.router)
api.add_router("", me.router)
api.add_router("", packages_api.router)
