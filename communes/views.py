"""Public pages of the communes app."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from communes.selectors import reference_data_summary


def home(request: HttpRequest) -> HttpResponse:
    """Landing page: what the portal holds today (units in force, criteria sets loaded)."""
    today = timezone.localdate()
    return render(request, "communes/home.html", {"today": today, "summary": reference_data_summary(date=today)})
