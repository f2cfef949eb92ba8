"""Every response the API test suite receives, checked against the generated OpenAPI schema.

The API's documented errors are its contract with generated clients: a status code an
operation does not declare, or a body its schema does not describe, makes a client
raise instead of returning the error. tests/api/conftest.py wraps APIClient.request
with check_response(), so every request any API test makes is checked.
"""

from __future__ import annotations

import functools
import json
import re

import jsonschema
from drf_spectacular.generators import SchemaGenerator


@functools.cache
def openapi() -> dict:
    return _nullable_to_jsonschema(SchemaGenerator().get_schema(request=None, public=True))


def _nullable_to_jsonschema(node):
    """OpenAPI 3.0's `nullable: true` as JSON Schema (`null` among the allowed types)."""
    if isinstance(node, list):
        return [_nullable_to_jsonschema(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _nullable_to_jsonschema(value) for key, value in node.items()}
    if node.pop("nullable", False):
        return {"anyOf": [node, {"type": "null"}]}
    return node


@functools.cache
def _routes() -> list[tuple[re.Pattern, str]]:
    routes = []
    for template in openapi()["paths"]:
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
        routes.append((re.compile(f"^{pattern}$"), template))
    return routes


def operation_for(method: str, path: str) -> dict | None:
    for pattern, template in _routes():
        if pattern.match(path):
            return openapi()["paths"][template].get(method.lower())
    return None


def check_response(method: str, path: str, response) -> None:
    """Raise AssertionError unless `response` is one the schema documents for this operation."""
    operation = operation_for(method, path)
    if operation is None:  # an undocumented method or path (OPTIONS, the JSON 404 catch-all)
        return
    status = str(response.status_code)
    responses = operation["responses"]
    documented = responses.get(status) or responses.get("default")
    where = f"{method} {path} -> {status}"
    assert documented is not None, f"{where}: status not documented (documented: {sorted(responses)})"
    content = documented.get("content")
    if not content or not response.content:
        assert not response.content or not content, f"{where}: a body the schema does not declare"
        return
    media_type = response.get("Content-Type", "").split(";")[0].strip()
    assert media_type in content, f"{where}: {media_type!r} not among {sorted(content)}"
    schema = content[media_type].get("schema")
    if not schema or not media_type.endswith("json"):
        return
    body = json.loads(response.content)
    try:
        jsonschema.validate(body, {**schema, "components": openapi()["components"]}, cls=jsonschema.Draft202012Validator)
    except jsonschema.ValidationError as exc:
        raise AssertionError(f"{where}: body does not match the schema: {exc.message} at {list(exc.absolute_path)}\n{body}") from None
