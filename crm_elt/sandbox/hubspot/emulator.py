"""HubSpotEmulator: the state every room shares (stores, links, history, lock, limits) and the
request pipeline: URL length, bearer auth, rate limits, then the route (routes.py).

The endpoints live in mixins, one per room: records.py, search.py, associations.py,
schemas.py (properties, pipelines, owners).
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pandas as pd

from crm_elt.dataset import sandbox_path
from crm_elt.sandbox.config import SandboxConfig
from crm_elt.sandbox.credentials import SANDBOX_CREDENTIALS
from crm_elt.sandbox.hubspot.associations import AssociationEndpoints, load_associations
from crm_elt.sandbox.hubspot.limits import HubSpotRateLimits
from crm_elt.sandbox.hubspot.object_types import resolve
from crm_elt.sandbox.hubspot.records import RecordEndpoints
from crm_elt.sandbox.hubspot.routes import dispatch
from crm_elt.sandbox.hubspot.schemas import SchemaEndpoints
from crm_elt.sandbox.hubspot.search import SearchEndpoint
from crm_elt.sandbox.hubspot.store import ObjectStore, load_stores
from crm_elt.sandbox.hubspot.wire import error_body
from crm_elt.sandbox.protocol import Request, Response


class HubSpotEmulator(RecordEndpoints, SearchEndpoint, AssociationEndpoints, SchemaEndpoints):
    def __init__(
        self,
        stores: dict[str, ObjectStore],
        associations: pd.DataFrame,
        properties: dict,
        pipelines: dict,
        config: SandboxConfig,
    ):
        self.stores = stores
        # Loaded links; the index built from them on first use is the live store afterwards.
        self._loaded_associations: pd.DataFrame | None = associations
        self.properties = properties
        self.pipelines = pipelines
        self.config = config
        self.lock = threading.RLock()
        self.limits = HubSpotRateLimits(config)
        self._association_index: dict | None = None  # see _links()
        self._next_id = {
            name: int(store.frame.index.max()) + 1 if len(store.frame) else 1
            for name, store in stores.items()
        }
        # {type: {id: {property: versions, newest first}}} for properties changed while
        # serving; any other property's history is derived from its record (_derived_history).
        self._history: dict[str, dict[int, dict[str, list[dict]]]] = {}
        self._created_through_api: dict[str, set[int]] = {name: set() for name in stores}
        # Custom properties and groups created through the properties API, per object type.
        self.created_properties: dict[str, list[dict]] = {}
        self.created_groups: dict[str, list[dict]] = {}

    @classmethod
    def from_dataset(cls, data_dir: Path, config: SandboxConfig) -> HubSpotEmulator:
        properties = _read_json(sandbox_path(data_dir, "hubspot_properties.json"))
        pipelines = _read_json(sandbox_path(data_dir, "hubspot_pipelines.json"))
        emulator = cls(
            load_stores(data_dir), load_associations(data_dir), properties, pipelines, config
        )
        # Indexed before serving, as the real API's links are: at 1M contacts this takes
        # about 9 s, which would otherwise stall the first association read of a client.
        emulator._links()
        return emulator

    def handle(self, request: Request) -> Response:
        if len(request.raw_target) > self.config.hubspot_max_url_length:
            return Response(414, None)
        if request.header("authorization") != (
            f"Bearer {SANDBOX_CREDENTIALS.hubspot_access_token}"
        ):
            return Response(
                401,
                error_body(
                    "Authentication credentials not found. This API supports OAuth 2.0 "
                    "authentication and you can find more details at "
                    "https://developers.hubspot.com/docs/methods/auth/oauth-overview",
                    "INVALID_AUTHENTICATION",
                ),
            )
        is_search = request.method == "POST" and request.path.endswith("/search")
        limited = self.limits.check(is_search)
        if limited is not None:
            return limited
        response = dispatch(self, request)
        if not is_search and self.config.rate_limits:
            response.headers.update(self.limits.headers())
        return response

    def reset_rate_limits(self) -> None:
        self.limits.reset()

    @staticmethod
    def _object_type(raw: str) -> str | None:
        """The plural name of the object type `raw` names (plural, singular or id), else None."""
        object_type = resolve(raw)
        return None if object_type is None else object_type.name


def _read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
