"""Django's ModelBackend, with the read of the signed-in user, which every page request
makes, compiled once per process (tracker.prepared) instead of on each request. Same
rules: an unknown or inactive user is no user."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from tracker.prepared import Prepared


class UserBackend(ModelBackend):
    def get_user(self, user_id):
        try:
            pk = int(user_id)
        except (TypeError, ValueError):
            return None
        user = _USER.first(pk=pk)
        return user if user is not None and self.user_can_authenticate(user) else None


_USER = Prepared(lambda pk: get_user_model()._default_manager.filter(pk=pk), pk=int)
