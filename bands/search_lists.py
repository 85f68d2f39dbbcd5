"""Keeps the search filters' cached lists (bands.selectors.cached_search_list) true: a saved or deleted
genre, band, venue or slot drops them once its transaction commits."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save


def _forget(**kwargs) -> None:
    from .selectors import forget_search_lists

    transaction.on_commit(forget_search_lists)


def connect(*models) -> None:
    for model in models:
        post_save.connect(_forget, sender=model, dispatch_uid=f"search-lists-save-{model._meta.label_lower}")
        post_delete.connect(_forget, sender=model, dispatch_uid=f"search-lists-delete-{model._meta.label_lower}")
