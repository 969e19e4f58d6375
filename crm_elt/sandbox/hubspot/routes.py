"""The HubSpot emulator's routes: one row per endpoint, (method, path, handler name).

In a path, `{type}` is an object type (plural, singular or type id, see object_types.py;
the handler gets its plural name, and a type HubSpot does not know answers its own error),
`{id}` a numeric id, `{name}` any other segment. Handlers are HubSpotEmulator methods.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from crm_elt.sandbox.hubspot.object_types import resolve
from crm_elt.sandbox.hubspot.wire import error_body, unknown_object_type
from crm_elt.sandbox.protocol import Request, Response

ROUTES: tuple[tuple[str, str, str], ...] = (
    ("GET", "/crm/v3/objects/{type}", "list_objects"),
    ("POST", "/crm/v3/objects/{type}/search", "search"),
    ("POST", "/crm/v3/objects/{type}/batch/read", "batch_read"),
    ("POST", "/crm/v3/objects/{type}/batch/update", "batch_update"),
    ("POST", "/crm/v3/objects/{type}/batch/create", "batch_create"),
    ("POST", "/crm/v3/objects/{type}/merge", "merge"),
    ("GET", "/crm/v3/objects/{type}/{id}", "read_one"),
    ("PATCH", "/crm/v3/objects/{type}/{id}", "update_one"),
    ("DELETE", "/crm/v3/objects/{type}/{id}", "archive"),
    ("GET", "/crm/v3/objects/{type}/{id}/associations/{type}", "record_associations_v3"),
    ("GET", "/crm/v3/properties/{type}", "list_properties"),
    ("POST", "/crm/v3/properties/{type}", "create_property"),
    ("GET", "/crm/v3/properties/{type}/groups", "list_property_groups"),
    ("POST", "/crm/v3/properties/{type}/groups", "create_property_group"),
    ("GET", "/crm/v3/pipelines/{type}", "list_pipelines"),
    ("GET", "/crm/v3/pipelines/{type}/{name}", "read_pipeline"),
    ("GET", "/crm/v3/pipelines/{type}/{name}/stages", "list_pipeline_stages"),
    ("GET", "/crm/v3/owners", "list_owners"),
    ("GET", "/crm/v3/owners/{name}", "read_owner"),
    ("POST", "/crm/v3/associations/{type}/{type}/batch/read", "association_batch_read_v3"),
    ("POST", "/crm/v4/associations/{type}/{type}/batch/read", "association_batch_read"),
    ("POST", "/crm/v4/associations/{type}/{type}/batch/create", "association_batch_create"),
    ("POST", "/crm/v4/associations/{type}/{type}/batch/archive", "association_batch_archive"),
    ("GET", "/crm/v4/objects/{type}/{id}/associations/{type}", "record_associations"),
    ("DELETE", "/crm/v4/objects/{type}/{id}/associations/{type}/{id}", "association_delete"),
    (
        "PUT",
        "/crm/v4/objects/{type}/{id}/associations/default/{type}/{id}",
        "associate_default",
    ),
)

_SEGMENTS = {"{type}": "([^/]+)", "{id}": r"(\d+)", "{name}": "([^/]+)"}


def _compile(path: str) -> tuple[re.Pattern, tuple[bool, ...]]:
    """The path's regex, and for each group whether it names an object type."""
    kinds = re.findall(r"\{\w+\}", path)
    pattern = path
    for placeholder, group in _SEGMENTS.items():
        pattern = pattern.replace(placeholder, group)
    return re.compile(pattern), tuple(kind == "{type}" for kind in kinds)


_COMPILED = tuple((method, *_compile(path), handler) for method, path, handler in ROUTES)


def dispatch(emulator: object, request: Request) -> Response:
    """The response of the first route matching the request's method and path."""
    path, method = request.path.rstrip("/"), request.method
    for route_method, pattern, type_groups, handler_name in _COMPILED:
        if method != route_method:
            continue
        match = pattern.fullmatch(path)
        if match is None:
            continue
        arguments = []
        for raw, is_type in zip(match.groups(), type_groups, strict=True):
            if is_type:
                object_type = resolve(raw)
                if object_type is None:
                    return unknown_object_type(raw)
                raw = object_type.name
            arguments.append(raw)
        handler: Callable[..., Response] = getattr(emulator, handler_name)
        return handler(request, *arguments)
    return Response(404, error_body(f"Unable to route {method} {path}", "OBJECT_NOT_FOUND"))
