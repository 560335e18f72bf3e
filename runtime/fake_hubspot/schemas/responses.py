"""Schemas v3: parse requests and serialise ``ObjectSchema`` answers.

Create 201, list ``{"results": [...]}``, get and PATCH 200, DELETE 204, association create 201.
"""

from __future__ import annotations

from runtime.fake_hubspot.core.http import Response, field_str, json_response, no_content
from runtime.fake_hubspot.core.routing import Context
from runtime.fake_hubspot.schemas.models import SchemasBackend


def _backend(ctx: Context) -> SchemasBackend:
    return ctx.portal.backend(SchemasBackend)


def list_schemas(ctx: Context) -> Response:
    backend = _backend(ctx)
    archived = ctx.request.query_bool("archived")
    found = [s for s in backend.schemas.values() if s.archived == archived]
    return json_response(200, {"results": [backend.to_api(s) for s in found]})


def create_schema(ctx: Context) -> Response:
    backend = _backend(ctx)
    schema = backend.create(ctx.request.json_object())
    return json_response(201, backend.to_api(schema))


def get_schema(ctx: Context) -> Response:
    backend = _backend(ctx)
    return json_response(200, backend.to_api(backend.get(ctx.params["objectType"])))


def update_schema(ctx: Context) -> Response:
    backend = _backend(ctx)
    schema = backend.update(ctx.params["objectType"], ctx.request.json_object())
    return json_response(200, backend.to_api(schema))


def archive_schema(ctx: Context) -> Response:
    _backend(ctx).archive(ctx.params["objectType"])
    return no_content()


def create_association(ctx: Context) -> Response:
    backend = _backend(ctx)
    schema = backend.get(ctx.params["objectType"])
    body = ctx.request.json_object()
    target = field_str(body, "toObjectTypeId", required=True) or ""
    return json_response(201, backend.associate(schema, target))
