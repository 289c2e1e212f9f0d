"""Django's database session store, with the read every signed-in request starts with
compiled once per process (tracker.prepared) instead of on each request. Same table,
same rule (a session past its expiry date is not loaded), so sessions signed in before
this store was configured stay valid."""

import datetime as dt

from django.contrib.sessions.backends import db
from django.utils import timezone

from tracker.prepared import Prepared


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        session = _LIVE.first(key=self.session_key, now=timezone.now()) if self.session_key else None
        if session is None:
            self._session_key = None  # as Django's store: a new key on the next save
        return session


_LIVE = Prepared(
    lambda key, now: SessionStore.get_model_class().objects.filter(session_key=key, expire_date__gt=now),
    key=str,
    now=dt.datetime,
)
