"""Routing: literal segments beat placeholders; decoded parameters; nearest routes."""

from __future__ import annotations

import pytest

from runtime.fake_hubspot.core.errors import ResourceNotFound
from runtime.fake_hubspot.core.http import Request, Response
from runtime.fake_hubspot.core.routing import Context, Route, Router


def _handler(name: str):  # type: ignore[no-untyped-def]
    def handle(ctx: Context) -> Response:
        return Response(200, name.encode())

    handle.__name__ = name
    return handle


ROUTER = Router(
    [
        Route("POST", "/crm/v3/objects/{objectType}/{objectId}", _handler("generic")),
        Route("POST", "/crm/v3/objects/{objectType}/search", _handler("search")),
        Route("GET", "/crm/v3/objects/{objectType}/{objectId}", _handler("get")),
    ]
)


def test_literal_segment_wins() -> None:
    route, params, _raw = ROUTER.match("POST", "/crm/v3/objects/contacts/search")
    assert route.handler.__name__ == "search" and params == {"objectType": "contacts"}


def test_parameters_are_decoded_and_raw_kept() -> None:
    _, params, raw = ROUTER.match("GET", "/crm/v3/objects/contacts/a%40b.c/")
    assert params["objectId"] == "a@b.c" and raw["objectId"] == "a%40b.c"


def test_unknown_route_suggests_nearest() -> None:
    with pytest.raises(ResourceNotFound) as info:
        ROUTER.match("GET", "/crm/v3/objectz/contacts/1")
    assert info.value.context is not None
    assert info.value.context["nearestRoutes"][0] == "GET /crm/v3/objects/{objectType}/{objectId}"


def test_request_query_parsing() -> None:
    request = Request.build("get", "/x?properties=a,b&properties=c&archived=False&limit=500")
    assert request.query_list("properties") == ["a", "b", "c"]
    assert request.query_bool("archived", True) is False
    assert request.query_int("limit", 10, maximum=100) == 100
