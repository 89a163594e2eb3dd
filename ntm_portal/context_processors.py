"""Values every page needs: whether this portal holds demo data (shown as a banner)."""

from django.http import HttpRequest

from communes.models import Unit


def portal(request: HttpRequest) -> dict:
    return {"portal_has_demo_data": Unit.objects.filter(is_demo=True).exists()}
