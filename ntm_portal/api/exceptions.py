"""API errors: the concurrency answers (409, 412, 428) and the handler that turns the services'
Django errors into API responses."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.views import exception_handler as drf_exception_handler


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = _("The object has changed since you read it (If-Match does not match its ETag). Read it again.")
    default_code = "precondition_failed"


class PreconditionRequired(exceptions.APIException):
    status_code = 428  # Precondition Required (RFC 6585)
    default_detail = _("Send the ETag of the version you read in an If-Match header.")
    default_code = "precondition_required"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("The request conflicts with the current state of the object.")
    default_code = "conflict"


def django_validation_detail(error: DjangoValidationError) -> dict | list:
    """A Django ValidationError as DRF error detail: {field: [messages]} or [messages]."""
    if hasattr(error, "error_dict"):
        return {
            ("non_field_errors" if field == "__all__" else field): messages
            for field, messages in error.message_dict.items()
        }
    return {"non_field_errors": error.messages}


def exception_handler(exc: Exception, context: dict):
    """DRF's handler, plus: a Django ValidationError raised by a service is a 400 with its fields,
    and every error body is a JSON object."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(django_validation_detail(exc))
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, list):
        # Every error body is an object (the schema says so): a bare list becomes non_field_errors.
        response.data = {"non_field_errors": response.data}
    return response
