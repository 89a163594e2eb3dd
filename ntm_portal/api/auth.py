"""Token authentication for other systems: "Authorization: Token <key>".

A token acts as its user, narrowed to the token's area (communes.access.user_area_narrow), so every
for_user() queryset and user_can check of the request sees the token's area only.
"""

from __future__ import annotations

import datetime
import hmac

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from communes.access import user_area_narrow
from communes.models import ApiToken
from communes.services.access import API_TOKEN_PREFIX_LENGTH, api_token_hash

# last_used_at is written at most this often per token: one UPDATE a minute, not one per request.
LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """Authenticate "Authorization: Token <key>"; returns (token.user, token)."""

    keyword = "Token"

    def authenticate(self, request: Request) -> tuple | None:
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header: expected “Token <key>”."))
        try:
            key = parts[1].decode()
        except UnicodeError as error:
            raise exceptions.AuthenticationFailed(_("Invalid token header: the key has invalid characters.")) from error
        return self.authenticate_key(key)

    def authenticate_key(self, key: str) -> tuple:
        # The prefix finds the candidates; the hash comparison is constant-time.
        wanted = api_token_hash(key)
        candidates = ApiToken.objects.select_related("user", "area").filter(key_prefix=key[:API_TOKEN_PREFIX_LENGTH])
        token = next((row for row in candidates if hmac.compare_digest(row.key_hash, wanted)), None)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("This token has been revoked."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("The token's user is inactive."))
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        user_area_narrow(token.user, token.area)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        # Makes DRF answer 401 (not 403) to unauthenticated requests.
        return self.keyword


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """Describes the token scheme in the OpenAPI schema."""

    target_class = ApiTokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": str(_("“Token <key>”: a key created by an administrator, shown once.")),
        }
