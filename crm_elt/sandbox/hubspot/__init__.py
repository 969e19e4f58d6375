"""HubSpot CRM v3/v4 emulator over the generator's dataset (crm_elt/dataset.py).

Paths, parameters, bodies and errors follow API_NOTES.md §1. Every standard object type
(object_types.py: contacts, companies, deals, tickets, products, line_items, quotes, calls,
emails, meetings, notes, tasks, communications, postal_mail) is served under its plural name,
its singular and its type id (`0-1`, `0-5`, ...); a type HubSpot does not know answers HubSpot's
400 "Unable to infer object type from: ...". Types the dataset has no table for are empty.

Endpoints (routes.py is the table), all behind `Authorization: Bearer <token>`:
- `GET /crm/v3/objects/{type}`: list; `limit` <= 100, an opaque `after`, `properties`,
  `propertiesWithHistory` (page max 50; versions newest first: the dataset's values at
  creation, then one per change made while serving), inline `associations`, `archived`.
- `GET|PATCH|DELETE /crm/v3/objects/{type}/{id}`: read, update (bumps the modified date),
  archive. `POST /crm/v3/objects/{type}/batch/read` (by id or a unique `idProperty`),
  `batch/create` (with inline associations), `batch/update`, `merge`.
- `POST /crm/v3/objects/{type}/search`: filter groups, one sort, `query`, `limit` <= 200,
  the 10,000-result cap.
- Associations: `GET /crm/v3/objects/{type}/{id}/associations/{toType}`;
  `POST /crm/v3/associations/{from}/{to}/batch/read`; `POST /crm/v4/associations/{from}/{to}/
  batch/read` (pages of 500 per input), `batch/create`, `batch/archive`;
  `GET /crm/v4/objects/{type}/{id}/associations/{toType}`;
  `PUT /crm/v4/objects/{type}/{id}/associations/default/{toType}/{toId}`;
  `DELETE /crm/v4/objects/{type}/{id}/associations/{toType}/{toId}`.
- Schemas: `GET /crm/v3/properties/{type}`; `GET /crm/v3/pipelines/{type}[/{id}[/stages]]`
  (deals, tickets); `GET /crm/v3/owners[/{id}]`.
Optional rate limits use the real headers and 429 bodies. Behaviour the notes leave
unconfirmed is a SandboxConfig knob.

Rooms: object_types.py (the table of object types and their default properties), store.py
(records, Arrow pages, search keys), records.py (reads, writes, history), search.py,
associations.py (the link index and its endpoints), schemas.py (properties, pipelines,
owners), limits.py (rate limits), wire.py (formats and error bodies), routes.py,
emulator.py (shared state and the request pipeline).
"""

from crm_elt.sandbox.hubspot.emulator import HubSpotEmulator

__all__ = ["HubSpotEmulator"]
