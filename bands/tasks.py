"""Background work of the bands app."""

from celery import shared_task

from . import services


@shared_task
def band_blocks_extend_task() -> int:
    """Nightly: extend band blocks (rehearsals, holds) over the rolling horizon."""
    return services.band_blocks_extend()
