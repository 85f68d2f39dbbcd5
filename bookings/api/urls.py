"""Every router of the API on the one API object; stageslot/urls.py mounts it at /api/v1/."""

from . import bookings, life, me, quotes, requests, reschedule, search, teams, threads
from . import packages as packages_api
from . import plans as plans_api
from . import shows as shows_api
from .core import api

api.add_router("", search.router)
api.add_router("", bookings.router)
api.add_router("", me.router)
api.add_router("", packages_api.router)
api.add_router("", threads.router)
api.add_router("", plans_api.router)
api.add_router("", reschedule.router)
api.add_router("", quotes.router)
api.add_router("", requests.router)
api.add_router("", life.router)
api.add_router("", shows_api.router)
# Organisations: teams sits below bookings, so its operations live here, on the API's own modules.
api.add_router("", teams.router)
