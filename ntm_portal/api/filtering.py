"""The API's filter backend: a typed filter parameter given with no value is a 400, not ignored.

django-filter ignores empty values on purpose (an HTML GET form submits every field, filled or not),
so the HTML lists keep that behaviour. An API caller who writes ``?as_of=`` or ``?assessed=null``
has made a mistake, and the schema says those parameters are dates and booleans: say so.
"""

from django import forms
from django.utils.translation import gettext
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError

BOOLEAN_VALUES = {"true", "false", "1", "0", "True", "False"}


class StrictFilterBackend(DjangoFilterBackend):
    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        if filterset is None:
            return None
        errors = {}
        for name, filter_ in filterset.filters.items():
            if name not in request.query_params:
                continue
            value = request.query_params.get(name)
            field_class = filter_.field_class
            if issubclass(field_class, forms.NullBooleanField | forms.BooleanField):
                if value not in BOOLEAN_VALUES:
                    errors[name] = [gettext("Give true or false.")]
            elif value == "" and not issubclass(field_class, forms.CharField):
                errors[name] = [gettext("Give a value, or leave the parameter out.")]
        if errors:
            raise ValidationError(errors)
        return filterset
