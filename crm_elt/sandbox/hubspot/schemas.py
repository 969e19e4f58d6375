"""What a client discovers before it reads: properties, pipelines and owners.

- `GET /crm/v3/properties/{type}`: the dataset's definitions (hubspot_properties.json) where it
  has them; else the type's own properties (object_types.py) and one text definition per other
  column its records carry.
- `GET /crm/v3/pipelines/{type}[/{pipelineId}[/stages]]` for the types with pipelines: deals
  from hubspot_pipelines.json; tickets from it too, else HubSpot's default support pipeline.
- `GET /crm/v3/owners[/{ownerId}]`: the portal's owners; the generated world has none.
- `POST /crm/v3/properties/{type}`: a custom property (201 with its definition; 409
  OBJECT_ALREADY_EXISTS for a name in use; 400 for a missing field, an unknown type or
  fieldType, or a group that does not exist). `GET|POST /crm/v3/properties/{type}/groups`:
  property groups (the groups the definitions name, plus those created).

A mixin of HubSpotEmulator (emulator.py).
"""

from __future__ import annotations

import json

from crm_elt.sandbox.hubspot.object_types import OBJECT_TYPES_BY_NAME, property_definitions
from crm_elt.sandbox.hubspot.store import DATE_PROPERTIES
from crm_elt.sandbox.hubspot.wire import error_body, now_iso, parse_int, validation_error
from crm_elt.sandbox.protocol import Request, Response

OWNERS_PAGE_MAX = 500
# HubSpot's property types and the field types each can show as (properties API guide).
FIELD_TYPES = {
    "string": {"text", "textarea", "html", "phonenumber", "file"},
    "number": {"number", "calculation_equation"},
    "date": {"date"},
    "datetime": {"date"},
    "enumeration": {"booleancheckbox", "checkbox", "radio", "select"},
    "bool": {"booleancheckbox"},
}
_EPOCH = "1970-01-01T00:00:00Z"  # HubSpot's default pipelines are created at epoch 0


def _ticket_stage(stage_id: str, label: str, order: int, state: str) -> dict:
    return {
        "id": stage_id,
        "label": label,
        "displayOrder": order,
        "archived": False,
        "createdAt": _EPOCH,
        "updatedAt": _EPOCH,
        "metadata": {"ticketState": state, "isClosed": str(state == "CLOSED").lower()},
        "writePermissions": "CRM_PERMISSIONS_ENFORCEMENT",
    }


# HubSpot's default ticket pipeline: id "0", stages 1-4 (the options of hs_pipeline_stage).
DEFAULT_TICKET_PIPELINES = [
    {
        "id": "0",
        "label": "Support Pipeline",
        "displayOrder": 0,
        "archived": False,
        "createdAt": _EPOCH,
        "updatedAt": _EPOCH,
        "stages": [
            _ticket_stage("1", "New", 0, "OPEN"),
            _ticket_stage("2", "Waiting on contact", 1, "OPEN"),
            _ticket_stage("3", "Waiting on us", 2, "OPEN"),
            _ticket_stage("4", "Closed", 3, "CLOSED"),
        ],
    }
]


class SchemaEndpoints:
    """Properties, pipelines and owners of HubSpotEmulator (emulator.py)."""

    def property_definitions(self, object_type: str) -> list[dict]:
        created = self.created_properties.get(object_type, [])
        base = self.properties.get(object_type) or self._standard_definitions(object_type)
        names = {definition["name"] for definition in created}
        # A created property's values become a store column, which is not a second definition.
        return [item for item in base if item["name"] not in names] + created

    def _standard_definitions(self, object_type: str) -> list[dict]:
        own = property_definitions(OBJECT_TYPES_BY_NAME[object_type])
        known = {definition["name"] for definition in own}
        group = f"{OBJECT_TYPES_BY_NAME[object_type].singular}information"
        return own + [
            {
                "name": name,
                "label": name.replace("_", " ").title(),
                "type": "datetime" if name in DATE_PROPERTIES else "string",
                "fieldType": "date" if name in DATE_PROPERTIES else "text",
                "groupName": group,
                "description": "",
                "options": [],
                "hubspotDefined": not name.startswith(("especialidade", "consentimento")),
            }
            for name in self.stores[object_type].property_names
            if name not in known
        ]

    def list_properties(self, request: Request, object_type: str) -> Response:
        return Response(200, {"results": self.property_definitions(object_type)})

    def property_groups(self, object_type: str) -> list[dict]:
        named = {
            definition.get("groupName") for definition in self.property_definitions(object_type)
        }
        created = self.created_groups.get(object_type, [])
        created_names = {group["name"] for group in created}
        standard = [
            {
                "name": name,
                "label": name.replace("_", " ").title(),
                "displayOrder": -1,
                "archived": False,
            }
            for name in sorted(name for name in named if name and name not in created_names)
        ]
        return standard + created

    def list_property_groups(self, request: Request, object_type: str) -> Response:
        return Response(200, {"results": self.property_groups(object_type)})

    def create_property_group(self, request: Request, object_type: str) -> Response:
        body = _json_object(request)
        if body is None:
            return validation_error("Invalid input JSON")
        name, label = str(body.get("name") or ""), str(body.get("label") or "")
        if not name or not label:
            return validation_error("name and label are required")
        with self.lock:
            if any(group["name"] == name for group in self.property_groups(object_type)):
                return _already_exists(f"A property group named '{name}' already exists.")
            group = {
                "name": name,
                "label": label,
                "displayOrder": int(body.get("displayOrder") or -1),
                "archived": False,
            }
            self.created_groups.setdefault(object_type, []).append(group)
        return Response(201, group)

    def create_property(self, request: Request, object_type: str) -> Response:
        body = _json_object(request)
        if body is None:
            return validation_error("Invalid input JSON")
        missing = [
            key for key in ("name", "label", "type", "fieldType", "groupName") if not body.get(key)
        ]
        if missing:
            return validation_error(f"Missing required fields: {', '.join(missing)}")
        name, kind, field_type = str(body["name"]), str(body["type"]), str(body["fieldType"])
        if kind not in FIELD_TYPES:
            return validation_error(f"{kind} is not a valid property type")
        if field_type not in FIELD_TYPES[kind]:
            return validation_error(f"fieldType {field_type} is not valid for type {kind}")
        with self.lock:
            if name in {
                definition["name"] for definition in self.property_definitions(object_type)
            }:
                return _already_exists(f"A property named '{name}' already exists.")
            groups = {group["name"] for group in self.property_groups(object_type)}
            if body["groupName"] not in groups:
                return validation_error(f"Property group {body['groupName']} does not exist")
            stamp = now_iso()
            definition = {
                "name": name,
                "label": str(body["label"]),
                "type": kind,
                "fieldType": field_type,
                "description": str(body.get("description") or ""),
                "groupName": str(body["groupName"]),
                "options": [
                    {
                        "label": str(option.get("label", "")),
                        "value": str(option.get("value", "")),
                        "displayOrder": int(option.get("displayOrder", order)),
                        "hidden": bool(option.get("hidden", False)),
                    }
                    for order, option in enumerate(body.get("options") or [])
                    if isinstance(option, dict)
                ],
                "displayOrder": int(body.get("displayOrder") or -1),
                "calculated": False,
                "externalOptions": False,
                "hasUniqueValue": bool(body.get("hasUniqueValue", False)),
                "hidden": bool(body.get("hidden", False)),
                "hubspotDefined": False,
                "modificationMetadata": {
                    "archivable": True,
                    "readOnlyDefinition": False,
                    "readOnlyValue": False,
                },
                "formField": bool(body.get("formField", False)),
                "createdAt": stamp,
                "updatedAt": stamp,
                "archived": False,
            }
            self.created_properties.setdefault(object_type, []).append(definition)
        return Response(201, definition)

    def invalid_property_values(self, object_type: str, values: dict) -> Response | None:
        """HubSpot's 400 when a write names a property that does not exist or a number that
        is not one; None when every value may be written."""
        definitions = {item["name"]: item for item in self.property_definitions(object_type)}
        columns = set(self.stores[object_type].property_names)
        problems = []
        for name, value in values.items():
            definition = definitions.get(name)
            if definition is None and name not in columns:
                problems.append(
                    (name, f'Property "{name}" does not exist', "PROPERTY_DOESNT_EXIST")
                )
            elif definition and definition.get("type") == "number" and value not in (None, ""):
                try:
                    float(str(value))
                except ValueError:
                    problems.append((name, f"{value} was not a valid number.", "INVALID_FLOAT"))
        if not problems:
            return None
        details = [
            {
                "isValid": False,
                "message": message,
                "error": error,
                "name": name,
                "localizedErrorMessage": message,
            }
            for name, message, error in problems
        ]
        return validation_error(
            f"Property values were not valid: {json.dumps(details, separators=(',', ':'))}"
        )

    def _pipelines_of(self, object_type: str) -> list[dict] | None:
        if not OBJECT_TYPES_BY_NAME[object_type].has_pipelines:
            return None
        if object_type == "tickets":
            return self.pipelines.get("tickets") or DEFAULT_TICKET_PIPELINES
        return self.pipelines.get(object_type, [])

    def list_pipelines(self, request: Request, object_type: str) -> Response:
        pipelines = self._pipelines_of(object_type)
        if pipelines is None:
            return _no_route(request)
        return Response(200, {"results": pipelines})

    def read_pipeline(self, request: Request, object_type: str, pipeline_id: str) -> Response:
        pipeline = self._pipeline(object_type, pipeline_id)
        return pipeline if isinstance(pipeline, Response) else Response(200, pipeline)

    def list_pipeline_stages(
        self, request: Request, object_type: str, pipeline_id: str
    ) -> Response:
        pipeline = self._pipeline(object_type, pipeline_id)
        if isinstance(pipeline, Response):
            return pipeline
        return Response(200, {"results": pipeline.get("stages", [])})

    def _pipeline(self, object_type: str, pipeline_id: str) -> dict | Response:
        pipelines = self._pipelines_of(object_type)
        if pipelines is None:
            return Response(404, error_body(f"No pipelines for {object_type}", "OBJECT_NOT_FOUND"))
        for pipeline in pipelines:
            if pipeline.get("id") == pipeline_id:
                return pipeline
        return Response(
            404,
            error_body(f"Pipeline with ID {pipeline_id} does not exist", "OBJECT_NOT_FOUND"),
        )

    def list_owners(self, request: Request) -> Response:
        """`GET /crm/v3/owners`: `limit` 1..500 (default 100), `after`; no owners to page."""
        limit = parse_int(request.arg("limit"), 100)
        if limit is None or not 1 <= limit <= OWNERS_PAGE_MAX:
            return validation_error(f"limit must be between 1 and {OWNERS_PAGE_MAX}")
        return Response(200, {"results": []})

    def read_owner(self, request: Request, owner_id: str) -> Response:
        return Response(
            404, error_body(f"Owner with ID {owner_id} does not exist", "OBJECT_NOT_FOUND")
        )


def _json_object(request: Request) -> dict | None:
    try:
        body = request.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _already_exists(message: str) -> Response:
    return Response(409, error_body(message, "OBJECT_ALREADY_EXISTS"))


def _no_route(request: Request) -> Response:
    """The answer to a path nothing serves (kept for the pipelines of types without any)."""
    path = request.path.rstrip("/")
    return Response(404, error_body(f"Unable to route {request.method} {path}", "OBJECT_NOT_FOUND"))
