"""The documents app's Celery tasks: they take ids and call a service."""
