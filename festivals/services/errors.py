"""What the festivals services raise: a refusal a person can act on (FestivalError, shown as a message
and a 409 to htmx) and a refusal of who they are (FestivalPermissionError, a 403)."""


class FestivalError(Exception):
    """A refusal the person reads: nothing was changed."""


class FestivalPermissionError(Exception):
    """The person may not do this."""
