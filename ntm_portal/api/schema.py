"""OpenAPI additions: the error responses every operation can give, documented once."""

from __future__ import annotations

from typing import Any

# Status codes any operation may answer, and those only writes may answer.
COMMON_ERRORS: dict[str, str] = {
    "400": "Invalid input or filter value; the body names the field (and row) and the reason.",
    "401": "No valid credentials: missing, unknown or revoked token.",
    "403": "Authenticated, but the role, the token (read-only) or the area does not allow this.",
    "404": "No such object in your area.",
    "429": "Too many requests for this token; retry later.",
}
WRITE_ERRORS: dict[str, str] = {
    "409": "The change conflicts with the object's state (e.g. the workflow step is not allowed).",
    "412": "If-Match does not match the object's current ETag: it changed since you read it; nothing was changed.",
    "428": "This change needs an If-Match header with the ETag you read.",
}

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": 'An error: {"detail": "..."}, {"<field>": ["..."]} or {"results": [{"row", "field", "error"}]}.',
    "additionalProperties": True,
}

IF_MATCH: dict[str, Any] = {
    "in": "header",
    "name": "If-Match",
    "required": False,
    "schema": {"type": "string"},
    "description": "The ETag of the object as you read it (required where the operation says so; 428 otherwise).",
}


def add_error_responses(result: dict, generator, request, public: bool) -> dict:
    """drf-spectacular postprocessing hook: document the error responses on every operation, so
    clients (and schemathesis) know them; operations may already describe some of them."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault("Error", ERROR_SCHEMA)
    reference = {"$ref": "#/components/schemas/Error"}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            errors = dict(COMMON_ERRORS)
            if method in {"post", "put", "patch", "delete"}:
                errors.update(WRITE_ERRORS)
            if method in {"put", "patch"}:
                parameters = operation.setdefault("parameters", [])
                if not any(parameter.get("name") == "If-Match" for parameter in parameters):
                    parameters.append(IF_MATCH)
            responses = operation.setdefault("responses", {})
            for code, description in errors.items():
                responses.setdefault(
                    code, {"description": description, "content": {"application/json": {"schema": reference}}}
                )
    return result
