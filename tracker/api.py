"""Shared pieces of the REST API: the strict serializer base, fields, pagination,
idempotent creates and the exception handler (the schema class is in api_schema.py,
which DRF's settings cannot import from here without a cycle)."""

import copy
import datetime as dt
import hashlib
import json
import re

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError, models, transaction
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema_field
from rest_framework import pagination, serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

NUL = "\x00"


def _contains_nul(value) -> bool:
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(_contains_nul(k) or _contains_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_contains_nul(v) for v in value)
    return False


class StrictSerializerMixin:
    # Refuses what DRF would silently accept or pass on: fields the serializer does not
    # declare, read-only fields, a body that is not a JSON object, and NUL characters
    # (PostgreSQL cannot store them). A comment, not a docstring: the schema would
    # show a docstring as every serializer's description.

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise ValidationError({"non_field_errors": ["Send a JSON object."]})
        unknown = sorted(set(data) - set(self.fields))
        if unknown:
            raise ValidationError({str(name).replace(NUL, ""): ["Unknown field."] for name in unknown})
        read_only = sorted(name for name in data if self.fields[name].read_only)
        if read_only:
            raise ValidationError({name: ["This field is read-only."] for name in read_only})
        with_nul = sorted(name for name, value in data.items() if _contains_nul(value))
        if with_nul:
            raise ValidationError({name: ["Null characters are not allowed."] for name in with_nul})
        wrong_type = {
            name: [f"Expected {expected}."]
            for name, value in data.items()
            if (expected := _json_type_error(self.fields[name], value))
        }
        if wrong_type:
            raise ValidationError(wrong_type)
        return super().to_internal_value(data)


def _json_type_error(field, value) -> str | None:
    """The JSON type a field needs, if `value` is not of it. DRF coerces ("12" -> 12,
    0 -> "0", "yes" -> True); we take the JSON types the schema documents, so what the
    schema calls invalid is refused."""
    if value is None:
        return None  # DRF reports a null where none is allowed
    if isinstance(field, serializers.BooleanField):
        return None if isinstance(value, bool) else "true or false"
    if isinstance(field, serializers.IntegerField | serializers.PrimaryKeyRelatedField):
        ok = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
        return None if ok and not isinstance(value, bool) else "a whole number"
    if isinstance(field, serializers.DecimalField | serializers.FloatField):
        return None if isinstance(value, int | float) and not isinstance(value, bool) else "a number"
    if isinstance(field, serializers.ListField):
        return None if isinstance(value, list) else "a list"
    if isinstance(
        field,
        serializers.CharField
        | serializers.ChoiceField
        | serializers.DateField
        | serializers.DateTimeField
        | serializers.TimeField,
    ):
        return None if isinstance(value, str) else "a string"
    return None


class StrictSerializer(StrictSerializerMixin, serializers.Serializer):
    pass


# RFC 3339, as the schema's `date` and `date-time` formats say.
RFC3339_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)
RFC3339_DATETIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,6})?(?P<offset>[Zz]|[+-]\d{2}:\d{2})?$", re.ASCII
)


class StrictDateField(serializers.DateField):
    """A date as YYYY-MM-DD only (DRF would also take 2026-1-3)."""

    def to_internal_value(self, value):
        if isinstance(value, str) and not RFC3339_DATE.match(value):
            self.fail("invalid", format="YYYY-MM-DD")
        return super().to_internal_value(value)


class AwareDateTimeField(serializers.DateTimeField):
    """An ISO 8601 instant that must carry its UTC offset: a phone in another zone
    would otherwise log at the wrong time without anyone noticing."""

    default_error_messages = {
        "naive": "Include a UTC offset (for example 2026-10-26T07:30:00+01:00 or ...Z).",
        "range": "Give a date between the years 1900 and 9000.",
    }

    def to_internal_value(self, value):
        if isinstance(value, str):
            match = RFC3339_DATETIME.match(value)
            if match is None:
                self.fail("invalid", format="YYYY-MM-DDThh:mm:ss+hh:mm")
            if match["offset"] is None:
                self.fail("naive")
            value = value.upper()  # RFC 3339 allows t and z; Python's parser wants T and Z
        result = super().to_internal_value(value)
        # Far-off years overflow when converted to a user's zone; no diary needs them.
        if not (dt.datetime(1900, 1, 2, tzinfo=dt.UTC) <= result <= dt.datetime(9000, 1, 1, tzinfo=dt.UTC)):
            self.fail("range")
        return result


class StrictModelSerializer(StrictSerializerMixin, serializers.ModelSerializer):
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DateField: StrictDateField,
    }

    def get_fields(self):
        # DRF introspects the model and builds every field again for each serializer
        # instance, i.e. on every request; the result depends only on the class (its Meta
        # and declared fields), so build it once per class and hand out fresh copies.
        # Half the cost on each write (bench.profile).
        cls = type(self)
        prototype = cls.__dict__.get("_fields_prototype")
        if prototype is None:
            prototype = {name: FieldPrototype(field) for name, field in super().get_fields().items()}
            cls._fields_prototype = prototype
        return {name: field.copy() for name, field in prototype.items()}

    def validate(self, attrs):
        # PUT replaces the row: a writable field left out goes back to its default,
        # where DRF would keep the old value.
        if self.instance is not None and not self.partial:
            model_fields = {f.name: f for f in self.Meta.model._meta.concrete_fields}
            for field in self.fields.values():
                source = field.source
                if field.read_only or source in attrs or source not in model_fields:
                    continue
                attrs[source] = model_fields[source].get_default()
        return super().validate(attrs)


class FieldPrototype:
    """A serializer field built once, and copied unbound for each serializer instance:
    the same state in a new object, with containers of its own (choices, messages, the
    validators list) and its own child field bound to it. DRF's deep copy builds the
    field anew from deep copies of its arguments, a quarter of a cramp POST's CPU; the
    state is what that rebuild gives."""

    def __init__(self, field: serializers.Field):
        self.field = field
        state = field.__dict__
        self.containers = [name for name, value in state.items() if isinstance(value, dict | list | set)]
        # A ListField's child, a many-relation's child_relation: bound to the field.
        self.children = [
            (name, FieldPrototype(value))
            for name, value in state.items()
            if isinstance(value, serializers.Field) and value.parent is field
        ]

    def copy(self) -> serializers.Field:
        if isinstance(self.field, serializers.BaseSerializer):
            return copy.deepcopy(self.field)  # a nested serializer: its fields and data are its own
        clone = object.__new__(type(self.field))
        state = self.field.__dict__.copy()
        for name in self.containers:
            state[name] = state[name].copy()
        for name, child in self.children:
            state[name] = child.copy()
            state[name].parent = clone
        clone.__dict__ = state
        return clone


HOUR_MINUTE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$", re.ASCII)


@extend_schema_field({"type": "string", "pattern": HOUR_MINUTE.pattern, "example": "04:00"})
class HourMinuteField(serializers.TimeField):
    """A local wall time as "HH:MM"."""

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", input_formats=["%H:%M"], **kwargs)

    def to_internal_value(self, value):
        if isinstance(value, str) and not HOUR_MINUTE.match(value):
            self.fail("invalid", format="HH:MM")
        return super().to_internal_value(value)


def choice_list(choices, **kwargs) -> serializers.ListField:
    """A list of enum values (stored in a JSONField); each value at most once."""
    return serializers.ListField(
        child=serializers.ChoiceField(choices=choices.choices),
        max_length=len(choices.values),
        required=False,
        **kwargs,
    )


class CursorPagination(pagination.CursorPagination):
    page_size = 50
    max_page_size = 500
    page_size_query_param = "page_size"
    ordering = "-id"

    def get_page_size(self, request):
        # DRF falls back to the default on a bad page_size; we answer 400 so a client
        # learns its mistake (and the schema's bounds hold).
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not raw.isdigit() or not 1 <= int(raw) <= self.max_page_size:
            raise ValidationError(
                {self.page_size_query_param: [f"Give a whole number from 1 to {self.max_page_size}."]}
            )
        return int(raw)

    def paginate_queryset(self, queryset, request, view=None):
        # A cursor is opaque but not signed: a tampered position ("abc" or 10**30 for an
        # id) fails when the query runs. That is a bad cursor (404, as DRF answers an
        # undecodable one), not a server error.
        try:
            return super().paginate_queryset(queryset, request, view)
        except (ValueError, TypeError, OverflowError, DataError, DjangoValidationError) as error:
            raise NotFound(self.invalid_cursor_message) from error

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": self.max_page_size}
        return parameters


def cursor_pagination(*ordering: str) -> type[CursorPagination]:
    """A cursor paginator ordered newest first by the given fields (the last one unique)."""
    return type("CursorPagination", (CursorPagination,), {"ordering": ordering})


# Idempotent creates ------------------------------------------------------------

IDEMPOTENCY_HEADER = "Idempotency-Key"


def _request_digest(request) -> str:
    body = json.dumps(request.data, sort_keys=True, default=str)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


class IdempotentCreateMixin:
    """POST with an `Idempotency-Key` header applies once per user and key. The key's
    row is inserted in the same transaction as the new object, so a concurrent
    duplicate waits on the unique constraint and then replays the stored response;
    a failed create rolls the key back, so the client can retry with a fixed body."""

    def create(self, request, *args, **kwargs):
        from accounts.models import IdempotencyKey

        key = request.headers.get(IDEMPOTENCY_HEADER)
        if key is None:
            return super().create(request, *args, **kwargs)
        if not (1 <= len(key) <= 200 and all(0x21 <= ord(c) <= 0x7E for c in key)):
            raise ValidationError({IDEMPOTENCY_HEADER: ["Use 1 to 200 printable ASCII characters."]})
        digest = _request_digest(request)
        replay = self._idempotent_replay(request.user, key, digest)
        if replay is not None:
            return replay
        try:
            with transaction.atomic():
                record = IdempotencyKey.objects.create(
                    user=request.user, key=key, method=request.method, path=request.path[:300], request_digest=digest
                )
                response = super().create(request, *args, **kwargs)
                record.status_code = response.status_code
                # Stored as rendered JSON, so a replay carries the same values and types.
                record.response_body = json.loads(JSONRenderer().render(response.data) or b"null")
                record.save(update_fields=["status_code", "response_body"])
        except IntegrityError:
            # Another request with this key committed first.
            replay = self._idempotent_replay(request.user, key, digest)
            if replay is None:
                raise
            return replay
        return response

    def _idempotent_replay(self, user, key, digest):
        from accounts.models import IdempotencyKey

        record = IdempotencyKey.objects.filter(user=user, key=key).first()
        if record is None:
            return None
        if record.created_at < timezone.now() - IdempotencyKey.KEEP_FOR:
            # Expired: forgotten here, so the key applies anew. Deleting only when found
            # saves the common case (a new key) a transaction of its own on every POST.
            IdempotencyKey.objects.filter(pk=record.pk, created_at=record.created_at).delete()
            return None
        if record.request_digest != digest:
            raise ValidationError({IDEMPOTENCY_HEADER: ["This key was already used for a different request."]})
        response = Response(record.response_body, status=record.status_code)
        response["Idempotent-Replayed"] = "true"
        return response


@csrf_exempt  # it changes nothing; without this a PUT here would get Django's HTML 403
def not_found(request, *args, **kwargs):
    """Any unknown path under /api/ answers JSON, like the API itself (not Django's HTML page)."""
    return JsonResponse({"detail": "Not found."}, status=404)


def exception_handler(exc, context):
    """Turn a service's Django ValidationError into a 400 with field messages."""
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        detail = {("non_field_errors" if name == "__all__" else name): messages for name, messages in detail.items()}
        exc = ValidationError(detail)
    response = drf_exception_handler(exc, context)
    if response is not None and response.status_code == status.HTTP_401_UNAUTHORIZED:
        response.setdefault("WWW-Authenticate", 'Token realm="api"')
    return response
