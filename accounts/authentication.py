from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from accounts.services import api_token_authenticate


class TokenAuthentication(authentication.TokenAuthentication):
    """`Authorization: Token <token>` against our hashed, named, revocable tokens."""

    keyword = "Token"

    def authenticate_credentials(self, key):
        token = api_token_authenticate(raw=key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        return token.user, token
