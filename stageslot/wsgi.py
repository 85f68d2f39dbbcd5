import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "stageslot.settings.local")

application = get_wsgi_application()

from stageslot.warm import warm_up  # noqa: E402 (after Django is set up)

# The first request of a worker costs what every later one does (stageslot/warm.py).
warm_up()
