"""Checks that refuse to start a live site without what the law asks of it (run by `migrate`, the release
step, and by `runserver` and `check`): the imprint and the privacy notice must name who runs the site and
how to reach them (German DDG §5, GDPR art. 13). The local and test settings are not live."""

from pathlib import Path

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
                    hint=f"Set {variable} (docs/configuration.md lists every setting) before the site goes live.",
                    id="stageslot.E001",
                )
            )
    return found


@checks.register(checks.Tags.security, deploy=True)
def erasure_ledger_kept_apart(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """The erasure ledger must outlive the database and the app's folder (a container's is thrown away)."""
    if settings.DEBUG or not settings.STAGESLOT_LIVE:
        return []
    ledger = settings.STAGESLOT_ERASURE_LEDGER
    if ledger and not Path(ledger).resolve().is_relative_to(settings.BASE_DIR.resolve()):
        return []
    return [
        checks.Warning(
            "STAGESLOT_ERASURE_LEDGER is not set to a file outside the app's folder: a backup restored after an "
            "erasure could bring the erased person back.",
            hint="Set STAGESLOT_ERASURE_LEDGER to a file on a disk that outlives the database (docs/configuration.md).",
            id="stageslot.W001",
        )
    ]


@checks.register(checks.Tags.database, deploy=True)
def transaction_pooler_safe(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """With DATABASE_TRANSACTION_POOLER, nothing of a connection may outlive a transaction: no server-side
    cursors, no prepared statements, no startup options the pooler refuses (settings.behind_transaction_pooler)."""
    if not getattr(settings, "DATABASE_TRANSACTION_POOLER", False):
        return []
    found = []
    for alias, database in settings.DATABASES.items():
        if database["ENGINE"] != "django.db.backends.postgresql":
            continue
        options = database.get("OPTIONS", {})
        unsafe = []
        if not database.get("DISABLE_SERVER_SIDE_CURSORS"):
            unsafe.append("server-side cursors are on (DISABLE_SERVER_SIDE_CURSORS is not True)")
        if options.get("prepare_threshold", 5) is not None:
            unsafe.append("psycopg prepares statements (OPTIONS prepare_threshold is not None)")
        if options.get("server_side_binding"):
            unsafe.append("server-side binding is on (OPTIONS server_side_binding)")
        if options.get("options"):
            unsafe.append("startup options are sent (OPTIONS options), which PgBouncer refuses")
        found += [
            checks.Warning(
                f"DATABASE_TRANSACTION_POOLER is set but the database {alias!r} is not safe behind it: {what}.",
                hint="Leave the database's settings to stageslot.settings.base.behind_transaction_pooler "
                "(docs/configuration.md, DATABASE_TRANSACTION_POOLER).",
                id="stageslot.W002",
            )
            for what in unsafe
        ]
    return found


# What only PgBouncer says when it refuses a connection to its console: a user not among its admin_users or
# stats_users is "not allowed"; a user or database it does not know is "no such user" or "no such database", or,
# under auth_type trust with an auth_file, '"trust" authentication failed' (the method quoted first). PostgreSQL
# says none of these: it names a missing role or database with "does not exist", a failed method with
# '<method> authentication failed for user "<name>"'.
POOLER_REFUSALS = (
    "not allowed",
    "no such user",
    "no such database",
    "pgbouncer cannot connect",
    '" authentication failed',
)


def pooler_in_front(database: dict, *, timeout: int = 3) -> str | None:
    """What answers at the database's address, when it is not PostgreSQL itself but PgBouncer: "PgBouncer 1.18.0",
    or "PgBouncer" when its console refuses this user in PgBouncer's own words. PostgreSQL answers a connection to
    a database named "pgbouncer" that it does not have with 'database "pgbouncer" does not exist' (or names the
    role it does not know); PgBouncer answers it with its admin console (SHOW VERSION) or refuses the user there.
    None for PostgreSQL, when nothing answers, and for any refusal that is not PgBouncer's own: the check refuses
    to deploy only on what it recognised."""
    import psycopg

    if database.get("ENGINE") != "django.db.backends.postgresql":
        return None
    params = {
        "host": database.get("HOST") or None,
        "port": database.get("PORT") or None,
        "user": database.get("USER") or None,
        "password": database.get("PASSWORD") or None,
        "dbname": "pgbouncer",
        "connect_timeout": timeout,
        "autocommit": True,
        "prepare_threshold": None,
    }
    try:
        with psycopg.connect(**{k: v for k, v in params.items() if v is not None}) as console:
            version = str(console.execute("SHOW VERSION").fetchone()[0])
    except psycopg.Error as error:
        text = str(error).lower()
        return "PgBouncer" if any(words in text for words in POOLER_REFUSALS) else None
    return version if "pgbouncer" in version.lower() else None


@checks.register(checks.Tags.database, deploy=True)
def transaction_pooler_named(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """A DATABASE_URL that points at PgBouncer while DATABASE_TRANSACTION_POOLER is off: the jobs that read with
    `.iterator()` and every connection's startup options fail there (18 of 24 jobs, issue 85). Refused."""
    return pooler_refusals(settings.DATABASES, pooler_named=getattr(settings, "DATABASE_TRANSACTION_POOLER", False))


def pooler_refusals(databases: dict, *, pooler_named: bool) -> list[checks.CheckMessage]:
    if pooler_named:
        return []
    found = []
    for alias, database in databases.items():
        pooler = pooler_in_front(database)
        if pooler:
            found.append(
                checks.Error(
                    f"The database {alias!r} is reached through a pooler ({pooler}) but DATABASE_TRANSACTION_POOLER "
                    "is not set: server-side cursors and startup options break behind it.",
                    hint="Set DATABASE_TRANSACTION_POOLER=true (docs/configuration.md), or point DATABASE_URL at "
                    "PostgreSQL itself.",
                    id="stageslot.E002",
                )
            )
    return found


@checks.register(checks.Tags.database, deploy=True)
def replica_pin_covers_lag(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """A person reads their own write only if their reads stay on the primary at least as long as the replica
    may be behind (core/db/replica.py)."""
    if "replica" not in settings.DATABASES:
        return []
    if settings.DATABASE_REPLICA_PIN_SECONDS >= settings.DATABASE_REPLICA_MAX_LAG:
        return []
    return [
        checks.Warning(
            f"DATABASE_REPLICA_PIN_SECONDS ({settings.DATABASE_REPLICA_PIN_SECONDS}) is shorter than "
            f"DATABASE_REPLICA_MAX_LAG ({settings.DATABASE_REPLICA_MAX_LAG}): a person may not see their own "
            "change on a public page.",
            hint="Set DATABASE_REPLICA_PIN_SECONDS to at least DATABASE_REPLICA_MAX_LAG (docs/configuration.md).",
            id="stageslot.W003",
        )
    ]
