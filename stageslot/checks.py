"""Checks that refuse to start a live site without what the law asks of it (run by `migrate`, the release
step, and by `runserver` and `check`): the imprint and the privacy notice must name who runs the site and
how to reach them (German DDG §5, GDPR art. 13). The local and test settings are not live."""

from django.conf import settings
from django.core import checks

# The operator's facts a live site must have, and the variable that sets each.
OPERATOR_FACTS = {
    "name": "STAGESLOT_OPERATOR_NAME",
    "address": "STAGESLOT_OPERATOR_ADDRESS",
    "email": "STAGESLOT_OPERATOR_EMAIL",
}


@checks.register()
def operator_facts_set(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    if settings.DEBUG or not settings.STAGESLOT_LIVE:
        return []
    operator = settings.STAGESLOT_OPERATOR
    placeholders = settings.STAGESLOT_OPERATOR_PLACEHOLDERS
    found = []
    for fact, variable in OPERATOR_FACTS.items():
        value = (operator.get(fact) or "").strip()
        if not value or value == placeholders.get(fact):
            found.append(
                checks.Error(
                    f"{variable} is not set: the imprint and the privacy notice must say who runs this site ({fact}).",
                    hint=f"Set {variable} (see the README's settings table) before the site goes live.",
                    id="stageslot.E001",
                )
            )
    return found
