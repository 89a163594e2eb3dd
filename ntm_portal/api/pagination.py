"""Page-number pagination with a bounded page size."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request


class ApiPagination(PageNumberPagination):
    """100 rows a page by default, ?page_size= from 1 to 500.

    A page_size that is not a whole number from 1 to 500 is refused (400 naming page_size), not
    silently replaced by the default or capped: the client learns its request was not served as
    asked, and the schema can say exactly what is accepted.
    """

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        # Plain ASCII digits only: int() would also take " 5", "+5", "5_0" and other scripts' digits.
        size = int(raw) if raw.isascii() and raw.isdigit() else 0
        if not 1 <= size <= self.max_page_size:
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        _("Give a whole number of rows from 1 to %(max)d.") % {"max": self.max_page_size}
                    ]
                }
            )
        return size

    def get_schema_operation_parameters(self, view) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1}
            elif parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": self.max_page_size,
                    "default": self.page_size,
                }
                parameter["description"] = _(
                    "Rows per page, from 1 to %(max)d (default %(default)d); any other value is refused (400)."
                ) % {"max": self.max_page_size, "default": self.page_size}
        return parameters
