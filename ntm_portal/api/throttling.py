"""Request rates: per token (or per signed-in user), and per address for anonymous callers."""

from __future__ import annotations

from rest_framework.request import Request
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle

from communes.models import ApiToken


class TokenRateThrottle(SimpleRateThrottle):
    """REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["token"], counted per token, or per user for the
    browser's session; anonymous requests are left to AnonymousRateThrottle."""

    scope = "token"

    def get_cache_key(self, request: Request, view) -> str | None:
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            return None
        return self.cache_format % {"scope": self.scope, "ident": ident}


class AnonymousRateThrottle(AnonRateThrottle):
    """REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["anon"], per client address."""
