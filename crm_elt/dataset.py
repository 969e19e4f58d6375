"""The contract between the fake-data generator and the emulators: what lies in `<out>/`.

`python generate_fake_data.py --out DIR` writes, and `python -m crm_elt.sandbox --data DIR`
serves, this layout (DIR is usually `data/`):

    DIR/sandbox/                     the emulators' dataset (Parquet unless said otherwise)
        hubspot_companies.parquet    one row per live or archived company
        hubspot_contacts.parquet     one row per live or archived contact
        hubspot_deals.parquet        one row per live or archived deal
        hubspot_associations.parquet from_type, from_id, to_type, to_id, type_id (int), label
        hubspot_properties.json      {"contacts": [property definitions as the properties API
                                      returns them], "companies": [...], "deals": [...]}
        hubspot_pipelines.json       {"deals": [pipeline objects as /crm/v3/pipelines/deals]}
        hotmart_sales.parquet        one row per purchase (see HOTMART_SALES_COLUMNS)
        hotmart_sales_users.parquet  one row per (transaction, role) (see HOTMART_USERS_COLUMNS)
        manychat_subscribers.parquet one row per subscriber (see MANYCHAT_COLUMNS)
    DIR/hubspot_import/              import_companies.csv, import_contacts.csv, import_deals.csv
    DIR/input/manychat/*.csv         ManyChat UI exports, with their quirks
    DIR/input/marketing_spend/*.csv  month, channel, amount, currency
    DIR/truth/                       ground truth (see crm_elt.fakedata)

HubSpot object tables have the columns in HUBSPOT_RECORD_COLUMNS and then one column per
HubSpot property, every value a string or null, already in HubSpot's wire format (datetimes
ISO-8601 UTC with milliseconds and a `Z`, numbers and booleans as strings, multi-select
joined with `;`). Each table must have `hs_object_id` and `createdate`; contacts
`lastmodifieddate`; companies and deals `hs_lastmodifieddate`. Merged-away records are
absent; the survivor's `hs_merged_object_ids` lists them joined with `;`.

Associations are stored once, in the direction deal->contact, deal->company and
contact->company; the emulator serves the reverse directions with the reverse type ids.

Readers must tolerate extra columns and treat a missing optional column as null.
"""

from __future__ import annotations

from pathlib import Path

SANDBOX_DIR = "sandbox"
HUBSPOT_OBJECT_TYPES = ("contacts", "companies", "deals")
HUBSPOT_OBJECT_TYPE_IDS = {"contacts": "0-1", "companies": "0-2", "deals": "0-3"}
HUBSPOT_MODIFIED_PROPERTY = {
    "contacts": "lastmodifieddate",
    "companies": "hs_lastmodifieddate",
    "deals": "hs_lastmodifieddate",
}
# id: numeric string; created_at / updated_at / archived_at: int64 epoch milliseconds (UTC).
HUBSPOT_RECORD_COLUMNS = ("id", "created_at", "updated_at", "archived", "archived_at")
HUBSPOT_ASSOCIATION_COLUMNS = ("from_type", "from_id", "to_type", "to_id", "type_id", "label")

# Dates are int64 epoch milliseconds; money is float; the rest strings (nullable).
HOTMART_SALES_COLUMNS = (
    "transaction",  # e.g. HP17715690036014, unique
    "product_id",  # int
    "product_name",
    "product_line",  # "ilpi" | "estetica": ground-truth only, never served by the API
    "buyer_ucode",
    "buyer_name",
    "buyer_email",
    "producer_ucode",
    "producer_name",
    "status",  # APPROVED, COMPLETE, REFUNDED, CHARGEBACK, CANCELLED, ...
    "order_date",
    "approved_date",
    "warranty_expire_date",
    "price_value",
    "price_currency",
    "payment_method",
    "payment_type",
    "installments_number",
    "is_subscription",  # bool
    "recurrency_number",  # int, nullable
    "commission_as",
    "tracking_source",
    "tracking_source_sck",
    "tracking_external_code",
    "offer_code",
    "offer_payment_mode",
    "hotmart_fee_total",
    "hotmart_fee_currency",
)
HOTMART_USERS_COLUMNS = (
    "transaction",
    "product_id",
    "product_name",
    "role",  # BUYER | PRODUCER | AFFILIATE ...
    "ucode",
    "name",
    "email",
    "cellphone",
    "phone",
    "locale",
    "document_type",
    "document_value",
    "address_city",
    "address_state",
    "address_country",
    "address_zip_code",
)
MANYCHAT_COLUMNS = (
    "id",  # string of digits
    "page_id",
    "first_name",
    "last_name",
    "name",
    "gender",
    "locale",
    "timezone",
    "email",
    "phone",
    "whatsapp_phone",
    "optin_email",  # bool
    "optin_phone",  # bool
    "optin_whatsapp",  # bool
    "subscribed",  # ISO datetime with offset
    "last_interaction",
    "last_seen",
    "tags",  # tag names joined with ";"
)


def sandbox_path(data_dir: Path, name: str) -> Path:
    return Path(data_dir) / SANDBOX_DIR / name
