"""The gigs app's Celery tasks: they take ids (or nothing) and call a service."""

from celery import shared_task


# ---- Who plays
@shared_task
def lineups_round_task() -> dict[str, int]:
    """Every minute: open the line-up of booked gigs that lack one (each member asked "Can you play?"),
    remind the members who have not answered a gig within their band's reminder days, and those who have
    not answered before a gig's answer-by date."""
    from .services.answers import gig_answer_by_reminders_send, gig_lineups_open, gig_reminders_send

    return {
        "asked": gig_lineups_open(),
        "reminded": gig_reminders_send(),
        "reminded_answer_by": gig_answer_by_reminders_send(),
    }


@shared_task
def sections_round_task() -> int:
    """Hourly: tell the leaders and the players of each section of a gig ahead that fell short through a
    change in the band (a member left), once per shortfall."""
    from .services.parts import gig_shortfalls_round

    return gig_shortfalls_round()


# ---- Advancing
@shared_task
def advance_reminders_task() -> int:
    """Hourly: each open day sheet item due within two days, or late, is put to its owner side once."""
    from .services.day_sheets import advance_reminders_send

    return advance_reminders_send()
