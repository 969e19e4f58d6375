"""What a client discovers before it reads: properties, pipelines and owners.

- `GET /crm/v3/properties/{type}`: the dataset's definitions (hubspot_properties.json) where it
  has them; else the type's own properties (object_types.py) and one text definition per other
  column its records carry.
- `GET /crm/v3/pipelines/{type}[/{pipelineId}[/stages]]` for the types with pipelines: deals
  from hubspot_pipelines.json; tickets from it too, else HubSpot's default support pipeline.
- `GET /crm/v3/owners[/{ownerId}]`: the portal's owners; the generated world has none.

A mixin of HubSpotEmulator (emulator.py).
"""

from __future__ import annotations

from crm_elt.sandbox.hubspot.object_types import OBJECT_TYPES_BY_NAME, property_definitions
from crm_elt.sandbox.hubspot.store import DATE_PROPERTIES
from crm_elt.sandbox.hubspot.wire import error_body, parse_int, validation_error
from crm_elt.sandbox.protocol import Request, Response

OWNERS_PAGE_MAX = 500
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
        if self.properties.get(object_type):
            return self.properties[object_type]
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


def _no_route(request: Request) -> Response:
    """The answer to a path nothing serves (kept for the pipelines of types without any)."""
    path = request.path.rstrip("/")
    return Response(404, error_body(f"Unable to route {request.method} {path}", "OBJECT_NOT_FOUND"))
