"""The session store: Django's database sessions, read by SQL compiled once (core/db/prepared.py).

SESSION_ENGINE names this module. The table, the expiry rule and everything written are Django's
own (django.contrib.sessions.backends.db); only the read that every request with a session cookie
makes is cheaper.
"""

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.utils import timezone

from core.db.prepared import PreparedRead

_SESSION_DATA = PreparedRead(Session, ["session_key", "expire_date__gt"], values=["session_data"])


class SessionStore(db.SessionStore):
    def load(self) -> dict:
        rows = _SESSION_DATA(self.session_key, timezone.now()) if self.session_key else []
        if not rows:
            self._session_key = None
            return {}
        return self.decode(rows[0][0])
