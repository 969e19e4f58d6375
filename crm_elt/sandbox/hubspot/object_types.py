"""The standard HubSpot CRM object types: one row each. A new object type is one row here.

Type ids are HubSpot's ("Using the object APIs", developers.hubspot.com/docs/guides/crm/
using-object-apis). Default properties are those HubSpot returns when a list, read or search
names none (the search guide's table; API_NOTES §1.1 for contacts, companies and deals).
`properties` are definitions the properties API serves for a type whose dataset brings none:
HubSpot's own properties of that type, the few every client relies on (hs_object_id, the
create and modified dates, the type's main fields). A type's records come from
`hubspot_<name>.parquet` in the dataset when there is one (crm_elt/dataset.py's layout);
otherwise the type is empty, as in a portal that never used it.
"""

from __future__ import annotations

from dataclasses import dataclass

# (name, label, type, fieldType, option values): HubSpot's property types and field types.
PropertySpec = tuple[str, str, str, str, tuple[str, ...]]


@dataclass(frozen=True)
class ObjectType:
    name: str  # as in paths and `associations` keys, e.g. "line_items"
    type_id: str  # e.g. "0-8"; accepted in paths wherever the name is
    singular: str  # e.g. "line_item": also accepted in paths; labels like line_item_to_deal
    modified_property: str
    default_properties: tuple[str, ...]
    searchable: tuple[str, ...]  # what a search's free-text `query` looks in
    properties: tuple[PropertySpec, ...] = ()
    has_pipelines: bool = False

    @property
    def created_property(self) -> str:
        return "createdate" if "createdate" in self.default_properties else "hs_createdate"


def _common(created: str = "createdate") -> tuple[PropertySpec, ...]:
    return (
        ("hs_object_id", "Record ID", "number", "number", ()),
        (created, "Create Date", "datetime", "date", ()),
        ("hs_lastmodifieddate", "Last Modified Date", "datetime", "date", ()),
    )


_OWNER: PropertySpec = ("hubspot_owner_id", "Owner", "enumeration", "select", ())
_TIMESTAMP: PropertySpec = ("hs_timestamp", "Activity date", "datetime", "date", ())
_ENGAGEMENT_DEFAULTS = ("hs_createdate", "hs_lastmodifieddate", "hs_object_id")


def _engagement(name: str, singular: str, type_id: str, *specific: PropertySpec) -> ObjectType:
    """Activities (calls, emails, ...): hs_createdate, hs_timestamp, an owner, their own body."""
    return ObjectType(
        name=name,
        type_id=type_id,
        singular=singular,
        modified_property="hs_lastmodifieddate",
        default_properties=_ENGAGEMENT_DEFAULTS,
        searchable=tuple(spec[0] for spec in specific if spec[2] == "string"),
        properties=(*_common("hs_createdate"), _TIMESTAMP, _OWNER, *specific),
    )


OBJECT_TYPES: tuple[ObjectType, ...] = (
    ObjectType(
        "contacts",
        "0-1",
        "contact",
        "lastmodifieddate",
        ("createdate", "email", "firstname", "hs_object_id", "lastmodifieddate", "lastname"),
        ("email", "firstname", "lastname", "phone", "company"),
    ),
    ObjectType(
        "companies",
        "0-2",
        "company",
        "hs_lastmodifieddate",
        ("createdate", "domain", "hs_lastmodifieddate", "hs_object_id", "name"),
        ("name", "domain", "website", "phone"),
    ),
    ObjectType(
        "deals",
        "0-3",
        "deal",
        "hs_lastmodifieddate",
        (
            "amount",
            "closedate",
            "createdate",
            "dealname",
            "dealstage",
            "hs_lastmodifieddate",
            "hs_object_id",
            "pipeline",
        ),
        ("dealname",),
        has_pipelines=True,
    ),
    ObjectType(
        "tickets",
        "0-5",
        "ticket",
        "hs_lastmodifieddate",
        (
            "content",
            "createdate",
            "hs_lastmodifieddate",
            "hs_object_id",
            "hs_pipeline",
            "hs_pipeline_stage",
            "hs_ticket_category",
            "hs_ticket_priority",
            "subject",
        ),
        ("subject", "content"),
        (
            *_common(),
            ("subject", "Ticket name", "string", "text", ()),
            ("content", "Ticket description", "string", "textarea", ()),
            ("hs_pipeline", "Pipeline", "enumeration", "select", ("0",)),
            ("hs_pipeline_stage", "Ticket status", "enumeration", "select", ("1", "2", "3", "4")),
            (
                "hs_ticket_priority",
                "Priority",
                "enumeration",
                "select",
                ("LOW", "MEDIUM", "HIGH", "URGENT"),
            ),
            (
                "hs_ticket_category",
                "Category",
                "enumeration",
                "checkbox",
                ("PRODUCT_ISSUE", "BILLING_ISSUE", "FEATURE_REQUEST", "GENERAL_INQUIRY"),
            ),
            ("source_type", "Source", "enumeration", "select", ("CHAT", "EMAIL", "FORM", "PHONE")),
            ("closed_date", "Close date", "datetime", "date", ()),
            _OWNER,
        ),
        has_pipelines=True,
    ),
    ObjectType(
        "products",
        "0-7",
        "product",
        "hs_lastmodifieddate",
        ("createdate", "description", "hs_lastmodifieddate", "hs_object_id", "name", "price"),
        ("name", "description", "hs_sku"),
        (
            *_common(),
            ("name", "Name", "string", "text", ()),
            ("description", "Description", "string", "textarea", ()),
            ("price", "Unit price", "number", "number", ()),
            ("hs_sku", "SKU", "string", "text", ()),
            ("hs_cost_of_goods_sold", "Unit cost", "number", "number", ()),
            ("hs_recurring_billing_period", "Term", "string", "text", ()),
        ),
    ),
    ObjectType(
        "line_items",
        "0-8",
        "line_item",
        "hs_lastmodifieddate",
        (
            "amount",
            "createdate",
            "hs_lastmodifieddate",
            "hs_object_id",
            "hs_product_id",
            "name",
            "price",
            "quantity",
        ),
        ("name", "description", "hs_sku"),
        (
            *_common(),
            ("name", "Name", "string", "text", ()),
            ("description", "Description", "string", "textarea", ()),
            ("hs_product_id", "Product ID", "number", "number", ()),
            ("hs_sku", "SKU", "string", "text", ()),
            ("price", "Unit price", "number", "number", ()),
            ("quantity", "Quantity", "number", "number", ()),
            ("amount", "Net price", "number", "number", ()),
        ),
    ),
    ObjectType(
        "quotes",
        "0-14",
        "quote",
        "hs_lastmodifieddate",
        (
            "hs_createdate",
            "hs_expiration_date",
            "hs_lastmodifieddate",
            "hs_object_id",
            "hs_public_url_key",
            "hs_status",
            "hs_title",
        ),
        ("hs_title",),
        (
            *_common("hs_createdate"),
            ("hs_title", "Quote name", "string", "text", ()),
            ("hs_expiration_date", "Expiration date", "datetime", "date", ()),
            (
                "hs_status",
                "Quote approval status",
                "enumeration",
                "select",
                ("DRAFT", "APPROVAL_NOT_NEEDED", "PENDING_APPROVAL", "APPROVED", "REJECTED"),
            ),
            ("hs_public_url_key", "Public URL key", "string", "text", ()),
            ("hs_quote_amount", "Quote amount", "number", "number", ()),
            _OWNER,
        ),
    ),
    _engagement(
        "calls",
        "call",
        "0-48",
        ("hs_call_title", "Call Title", "string", "text", ()),
        ("hs_call_body", "Call notes", "string", "html", ()),
        ("hs_call_duration", "Call duration", "number", "number", ()),
        ("hs_call_direction", "Call direction", "enumeration", "select", ("INBOUND", "OUTBOUND")),
        ("hs_call_status", "Call status", "enumeration", "select", ("COMPLETED", "NO_ANSWER")),
    ),
    _engagement(
        "emails",
        "email",
        "0-49",
        ("hs_email_subject", "Email subject", "string", "text", ()),
        ("hs_email_text", "Email body", "string", "text", ()),
        (
            "hs_email_direction",
            "Email direction",
            "enumeration",
            "select",
            ("EMAIL", "INCOMING_EMAIL", "FORWARDED_EMAIL"),
        ),
        ("hs_email_status", "Email send status", "enumeration", "select", ("SENT", "FAILED")),
    ),
    _engagement(
        "meetings",
        "meeting",
        "0-47",
        ("hs_meeting_title", "Meeting name", "string", "text", ()),
        ("hs_meeting_body", "Meeting description", "string", "html", ()),
        ("hs_meeting_start_time", "Start time", "datetime", "date", ()),
        ("hs_meeting_end_time", "End time", "datetime", "date", ()),
        ("hs_meeting_outcome", "Meeting outcome", "enumeration", "select", ("SCHEDULED",)),
    ),
    _engagement(
        "notes",
        "note",
        "0-46",
        ("hs_note_body", "Note body", "string", "html", ()),
        ("hs_attachment_ids", "Attached file IDs", "enumeration", "checkbox", ()),
    ),
    _engagement(
        "tasks",
        "task",
        "0-27",
        ("hs_task_subject", "Task title", "string", "text", ()),
        ("hs_task_body", "Notes", "string", "html", ()),
        (
            "hs_task_status",
            "Task status",
            "enumeration",
            "select",
            ("NOT_STARTED", "IN_PROGRESS", "WAITING", "COMPLETED", "DEFERRED"),
        ),
        (
            "hs_task_priority",
            "Priority",
            "enumeration",
            "select",
            ("NONE", "LOW", "MEDIUM", "HIGH"),
        ),
        ("hs_task_type", "Task type", "enumeration", "select", ("CALL", "EMAIL", "TODO")),
    ),
    _engagement(
        "communications",
        "communication",
        "0-18",
        (
            "hs_communication_channel_type",
            "Channel type",
            "enumeration",
            "select",
            ("WHATS_APP", "LINKEDIN_MESSAGE", "SMS"),
        ),
        ("hs_communication_logged_from", "Logged from", "enumeration", "select", ("CRM",)),
        ("hs_communication_body", "Body", "string", "text", ()),
    ),
    _engagement(
        "postal_mail",
        "postal_mail",
        "0-116",
        ("hs_postal_mail_body", "Body", "string", "text", ()),
    ),
)

OBJECT_TYPES_BY_NAME = {object_type.name: object_type for object_type in OBJECT_TYPES}
_BY_ANY_SPELLING = {
    spelling: object_type
    for object_type in OBJECT_TYPES
    for spelling in (object_type.name, object_type.type_id, object_type.singular)
}


def resolve(raw: str) -> ObjectType | None:
    """The object type a path names by plural, singular or type id (any case), else None."""
    return _BY_ANY_SPELLING.get(raw.lower())


def property_definitions(object_type: ObjectType) -> list[dict]:
    """The type's own properties in the properties API's shape."""
    return [
        {
            "name": name,
            "label": label,
            "type": kind,
            "fieldType": field_type,
            "description": "",
            "groupName": f"{object_type.singular}information",
            "options": [
                {
                    "label": value.replace("_", " ").title(),
                    "value": value,
                    "displayOrder": order,
                    "hidden": False,
                }
                for order, value in enumerate(values)
            ],
            "displayOrder": -1,
            "calculated": False,
            "externalOptions": False,
            "hasUniqueValue": name == "hs_object_id",
            "hidden": False,
            "hubspotDefined": True,
            "modificationMetadata": {
                "archivable": False,
                "readOnlyDefinition": True,
                "readOnlyValue": name in ("hs_object_id", "hs_lastmodifieddate"),
            },
            "formField": False,
        }
        for name, label, kind, field_type, values in object_type.properties
    ]
