"""Shared pieces of the REST API: the strict serializer base, pagination, errors."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import pagination, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.views import exception_handler as drf_exception_handler


class StrictSerializerMixin:
    """Refuse fields the serializer does not declare (DRF silently ignores them)."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise ValidationError({name: ["Unknown field."] for name in unknown})
            read_only = sorted(name for name in data if self.fields[name].read_only)
            if read_only:
                raise ValidationError({name: ["This field is read-only."] for name in read_only})
        return super().to_internal_value(data)


class StrictModelSerializer(StrictSerializerMixin, serializers.ModelSerializer):
    pass


class CursorPagination(pagination.CursorPagination):
    page_size = 50
    max_page_size = 500
    page_size_query_param = "page_size"
    ordering = "-id"


def exception_handler(exc, context):
    """Turn a service's Django ValidationError into a 400 with field messages."""
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = ValidationError(detail)
    return drf_exception_handler(exc, context)
