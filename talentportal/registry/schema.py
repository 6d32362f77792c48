"""The OpenAPI schema says what the API answers: masked personal data, empty references and every error."""

from __future__ import annotations

from typing import Any, Literal

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent, force_instance
from rest_framework import serializers

from .masking import MASKED_FORMS


class ErrorDetailSerializer(serializers.Serializer[Any]):
    """What DRF answers for a refusal that concerns no one field."""

    detail = serializers.CharField()


class UndoConflictRowSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    row = serializers.IntegerField(allow_null=True, help_text=_("The row of the file that wrote the record."))
    deleted = serializers.BooleanField()
    record = serializers.CharField()


class UndoConflictSerializer(ErrorDetailSerializer):
    """Why an import cannot be undone: the records changed, deleted or referred to since it wrote them (none when
    the import is not an applied one)."""

    conflicts = UndoConflictRowSerializer(many=True, required=False)


# A serializer's errors: field name (or ``non_field_errors``) → messages; nested fields and list items nest.
VALIDATION_ERROR = {
    "type": "object",
    "additionalProperties": {"anyOf": [{"type": "array"}, {"type": "string"}, {"type": "object"}]},
}
ERRORS: dict[str, Any] = {
    "400": _("Invalid data or parameters: the messages per field (``non_field_errors`` for the whole record)."),
    "401": _("Not signed in (token authentication)."),
    "403": _("Not signed in, or the user's role may not do this."),
    "404": _("Not found, out of the user's scope, or no such page."),
    "409": _("Refused: other records depend on this one, or its state forbids it."),
    "429": _("Too many requests: wait the seconds in Retry-After."),
}
STANDARD_ERRORS = ["400", "401", "403", "404", "429"]
MASKED = _("Masked (e.g. %(example)s) unless a writer reveals it with ?reveal=true.")


def model_field_nullable(serializer: Any, field: serializers.Field[Any, Any, Any, Any]) -> bool:
    """Whether the model attribute behind ``field`` may be empty: a nullable column, or a reverse one-to-one
    (``membership.org_unit``) the record may lack."""
    model = getattr(getattr(serializer, "Meta", None), "model", None)
    if model is None or not field.source or field.source == "*":
        return False
    for part in field.source.split("."):
        try:
            model_field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return False
        if getattr(model_field, "null", False) or (model_field.one_to_one and model_field.auto_created):
            return True
        model = model_field.related_model
        if model is None:
            return False
    return False


class PortalAutoSchema(AutoSchema):
    """drf-spectacular's schema with what every operation may answer besides success, and the response shapes
    as the serializers really write them."""

    def _map_serializer(self, serializer: Any, direction: str, bypass_extensions: bool = False) -> dict[str, Any]:
        schema: dict[str, Any] = super()._map_serializer(serializer, direction, bypass_extensions)
        if direction != "response":
            return schema
        serializer = force_instance(serializer)
        properties = schema.get("properties", {})
        fields = getattr(serializer, "fields", {})
        for name, prop in properties.items():
            field = fields.get(name)
            if field is not None and "$ref" not in prop and model_field_nullable(serializer, field):
                prop["nullable"] = True
        # Personal data reads masked unless revealed: a string of the stored value's shape, never a date.
        for name, mask in getattr(serializer, "personal_fields", {}).items():
            if name not in properties:
                continue
            prop = properties[name]
            prop.pop("format", None)
            prop["type"] = "string"
            example, pattern = MASKED_FORMS.get(mask, ("***", None))
            if pattern:
                prop["pattern"] = pattern
            prop["description"] = str(MASKED) % {"example": example}
        return schema

    def _get_response_bodies(self, direction: Literal["request", "response"] = "response") -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        codes = [*STANDARD_ERRORS, "409"] if self.method == "DELETE" else STANDARD_ERRORS
        for code in codes:
            responses.setdefault(code, self.error_response(code))
        for code, response in responses.items():
            if code in ERRORS and not response.get("description"):
                response["description"] = str(ERRORS[code])
        return dict(sorted(responses.items()))

    def error_response(self, code: str) -> dict[str, Any]:
        if code != "400":
            response: dict[str, Any] = self._get_response_for_code(ErrorDetailSerializer, code)
            return response
        component = ResolvedComponent(
            name="ValidationError", type=ResolvedComponent.SCHEMA, schema=VALIDATION_ERROR, object="ValidationError"
        )
        self.registry.register_on_missing(component)
        return {"content": {"application/json": {"schema": component.ref}}, "description": ""}


class CachedSchemaGenerator(SchemaGenerator):
    """The served schema, generated once a process for each language the portal speaks. It is the same for every user
    (``SERVE_PUBLIC``: nothing in it depends on the user or the records) and for as long as the code runs, and
    generating it walks every view and serializer, about a second of CPU. A custom URLconf or pattern list, as
    ``SpectacularAPIView`` accepts, another version or a language the portal does not speak is generated each
    time."""

    def get_schema(self, request: Any = None, public: bool = False) -> Any:
        language = translation.get_language()
        # Only the languages the portal speaks and the default version: any other ``?lang=`` or ``?version=``
        # would keep a schema of its own for as long as the process runs.
        if self.urlconf or self.patterns or self.api_version or language not in dict(settings.LANGUAGES):
            return super().get_schema(request=request, public=public)
        key = (language, settings.ROOT_URLCONF, public)
        if key not in GENERATED:
            GENERATED[key] = super().get_schema(request=request, public=public)
        return GENERATED[key]


GENERATED: dict[tuple[Any, ...], Any] = {}


@receiver(setting_changed)
def forget_generated_schemas(**kwargs: Any) -> None:
    """A test that changes the settings (the URLconf, the API's) gets a schema generated under them."""
    GENERATED.clear()
