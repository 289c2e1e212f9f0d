"""The OpenAPI schema class: every operation documents every status it can answer."""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiParameter
from rest_framework.permissions import AllowAny

from tracker.api import IDEMPOTENCY_HEADER, IdempotentCreateMixin

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    name=IDEMPOTENCY_HEADER,
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "Any unique string (up to 200 printable ASCII characters, e.g. a UUID). A POST with a key is applied "
        "once per user: a retry with the same key and body returns the first response (24 h)."
    ),
    type={"type": "string", "minLength": 1, "maxLength": 200, "pattern": r"^[\x21-\x7e]+$"},
)


FIELD_ERRORS_SCHEMA = {
    "type": "object",
    "description": "Field name (or non_field_errors / detail) to a list of messages.",
    "additionalProperties": {},
}
DETAIL_SCHEMA = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}


class AutoSchema(SpectacularAutoSchema):
    """Adds the error responses DRF can give to every operation (400 field errors,
    401, 403, 404, 415, 429), so the schema documents every status the API returns."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        errors = {"400": FIELD_ERRORS_SCHEMA, "404": DETAIL_SCHEMA, "429": DETAIL_SCHEMA}
        if not self._allows_anonymous():
            errors["401"] = DETAIL_SCHEMA
            errors["403"] = DETAIL_SCHEMA
        if self.method in ("POST", "PUT", "PATCH", "DELETE"):
            errors["415"] = DETAIL_SCHEMA
        descriptions = {
            "400": "Invalid input: messages per field.",
            "401": "No valid credentials (send `Authorization: Token <token>`).",
            "403": "Not allowed (for example a session request without a CSRF token).",
            "404": "Not found, or not yours.",
            "415": "Send application/json.",
            "429": "Too many requests; retry later.",
        }
        for code, schema in errors.items():
            if code not in responses:
                responses[code] = {
                    "description": descriptions[code],
                    "content": {"application/json": {"schema": schema}},
                }
        if "401" in responses:
            responses["401"].setdefault(
                "headers", {"WWW-Authenticate": {"schema": {"type": "string"}, "description": "Token"}}
            )
        return responses

    def _get_request_body(self, direction="request"):
        # drf-spectacular documents bodies only for POST/PUT/PATCH; DELETE me/ takes one.
        serializer = getattr(self.view, "delete_body_serializer", None)
        if self.method == "DELETE" and serializer is not None:
            component = self.resolve_serializer(serializer(), direction)
            return {"content": {"application/json": {"schema": component.ref}}, "required": True}
        return super()._get_request_body(direction)

    def _allows_anonymous(self) -> bool:
        return any(isinstance(p, AllowAny) for p in self.view.get_permissions())

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        if self.method == "POST" and isinstance(self.view, IdempotentCreateMixin):
            parameters.append(IDEMPOTENCY_PARAMETER)
        return parameters
