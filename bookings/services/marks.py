"""How far a periodic job has read what changed (JobMark, one row a job): the job reads only the rows changed
since its mark, and moves the mark once its work is written, so a failed run leaves it where it was
(decision 0092)."""

import datetime as dt

from ..models import JobMark


def job_mark(job: str, *, now: dt.datetime) -> dt.datetime | None:
    """The moment up to which `job` has read, or None before its first run or when the mark is later than
    `now` (a run for a past moment reads everything, as before there was a mark). One query."""
    mark = JobMark.objects.filter(job=job).values_list("through", flat=True).first()
    return mark if mark is not None and mark <= now else None


def job_mark_set(job: str, through: dt.datetime) -> None:
    """Move `job`'s mark to `through`. One query once it has a mark, two the first time."""
    if not JobMark.objects.filter(job=job).update(through=through):
        JobMark.objects.bulk_create([JobMark(job=job, through=through)], ignore_conflicts=True)
