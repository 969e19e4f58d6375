"""Write a World to disk in the layout of crm_elt/dataset.py, deterministically."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from crm_elt.dataset import (
    HOTMART_SALES_COLUMNS,
    HOTMART_USERS_COLUMNS,
    HUBSPOT_RECORD_COLUMNS,
    MANYCHAT_COLUMNS,
    SANDBOX_DIR,
)
from crm_elt.fakedata.defects import DefectRates, choose
from crm_elt.fakedata.generate import World

# Three exports, each shaped like a different way people get ManyChat CSVs out.
MANYCHAT_EXPORTS = (
    # file name, encoding, delimiter, header for (id, first, last, full name, email, phone,
    # whatsapp, tags, subscribed, last interaction)
    (
        "manychat_export_leads.csv",
        "utf-8",
        ",",
        [
            "ID",
            "First Name",
            "Last Name",
            "Full Name",
            "Email",
            "Phone",
            "WhatsApp Phone",
            "Tags",
            "Subscribed",
            "Last Interaction",
        ],
    ),
    (
        "manychat_export_ilpi.csv",
        "utf-8-sig",
        ";",
        [
            "Subscriber ID",
            "first name",
            "last name",
            "Name",
            "E-mail",
            "phone",
            "Whatsapp Phone",
            "tags",
            "Subscribed",
            "Last interaction",
        ],
    ),
    (
        "manychat_excel_estetica.csv",
        "latin-1",
        ";",
        [
            "User Id",
            "First Name",
            "Last Name",
            "Full Name",
            "Email",
            "Phone",
            "WhatsApp Phone",
            "Tags",
            "Subscribed",
            "Last Interaction",
        ],
    ),
)
NOTES_HEADER = "Observações"


def write_world(world: World, out: Path, seed: int, rates: DefectRates) -> dict[str, int]:
    out = Path(out)
    sandbox = out / SANDBOX_DIR
    sandbox.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    for name, frame in (
        ("companies", world.companies),
        ("contacts", world.contacts),
        ("deals", world.deals),
    ):
        counts[f"hubspot_{name}"] = _write_parquet(
            _hubspot_table(frame), sandbox / f"hubspot_{name}.parquet"
        )
    counts["hubspot_associations"] = _write_parquet(
        world.associations, sandbox / "hubspot_associations.parquet"
    )
    _write_json(sandbox / "hubspot_properties.json", property_definitions(world))
    _write_json(sandbox / "hubspot_pipelines.json", {"deals": deal_pipelines()})
    counts["hotmart_sales"] = _write_parquet(
        world.hotmart_sales[list(HOTMART_SALES_COLUMNS)], sandbox / "hotmart_sales.parquet"
    )
    counts["hotmart_sales_users"] = _write_parquet(
        world.hotmart_users[list(HOTMART_USERS_COLUMNS)], sandbox / "hotmart_sales_users.parquet"
    )
    counts["manychat_subscribers"] = _write_parquet(
        world.manychat[list(MANYCHAT_COLUMNS)], sandbox / "manychat_subscribers.parquet"
    )
    csv_truth = _write_manychat_csvs(world.manychat, out / "input" / "manychat", seed, rates)
    counts["manychat_csv_rows"] = len(csv_truth)
    counts["marketing_spend_rows"] = _write_spend(world.spend, out / "input" / "marketing_spend")
    _write_hubspot_import(world, out / "hubspot_import")
    truth = out / "truth"
    truth.mkdir(parents=True, exist_ok=True)
    persons = world.persons.drop(columns=["phone_subscriber"])
    counts["truth_persons"] = _write_parquet(persons, truth / "persons.parquet")
    _write_parquet(world.companies_truth, truth / "companies.parquet")
    records = pd.concat([world.truth_records, csv_truth], ignore_index=True)
    counts["truth_records"] = _write_parquet(records, truth / "records.parquet")
    return counts


def _hubspot_table(frame: pd.DataFrame) -> pd.DataFrame:
    properties = [
        column
        for column in frame.columns
        if column not in HUBSPOT_RECORD_COLUMNS and not column.startswith("_")
    ]
    table = frame[list(HUBSPOT_RECORD_COLUMNS) + properties].copy()
    table["archived_at"] = pd.array(table["archived_at"], dtype="Int64")
    for column in properties:
        # HubSpot sends every property as a string or null.
        values = table[column].astype(object)
        table[column] = values.where(values.isna(), values.astype(str)).where(values.notna(), None)
    return table


def _write_parquet(frame: pd.DataFrame, path: Path) -> int:
    table = pa.Table.from_pandas(frame.reset_index(drop=True), preserve_index=False)
    # No pandas metadata: it would be the only non-deterministic-looking part and nobody reads it.
    table = table.replace_schema_metadata(None)
    pq.write_table(table, path, compression="snappy")
    return len(frame)


def _write_json(path: Path, payload: object) -> None:
    path.write_text(
        json.dumps(payload, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )


def property_definitions(world: World) -> dict[str, list[dict]]:
    custom = {
        "especialidade_medica": "Especialidade médica",
        "consentimento_whatsapp": "Consentimento WhatsApp",
    }
    definitions = {}
    for object_type, frame in (
        ("companies", world.companies),
        ("contacts", world.contacts),
        ("deals", world.deals),
    ):
        names = [
            column
            for column in frame.columns
            if column not in HUBSPOT_RECORD_COLUMNS and not column.startswith("_")
        ]
        definitions[object_type] = [
            {
                "name": name,
                "label": custom.get(name, name.replace("_", " ").title()),
                "type": "datetime"
                if name.endswith("date")
                else ("number" if name == "amount" else "string"),
                "fieldType": "date"
                if name.endswith("date")
                else ("number" if name == "amount" else "text"),
                "groupName": f"{object_type[:-1]}information",
                "description": "",
                "hubspotDefined": name not in custom,
                "options": [],
            }
            for name in sorted(names)
        ]
    return definitions


def deal_pipelines() -> list[dict]:
    epoch = "1970-01-01T00:00:00Z"
    default = [
        ("appointmentscheduled", "Appointment Scheduled", "0.2", "false"),
        ("qualifiedtobuy", "Qualified To Buy", "0.4", "false"),
        ("presentationscheduled", "Presentation Scheduled", "0.6", "false"),
        ("decisionmakerboughtin", "Decision Maker Bought-In", "0.8", "false"),
        ("contractsent", "Contract Sent", "0.9", "false"),
        ("closedwon", "Closed Won", "1.0", "true"),
        ("closedlost", "Closed Lost", "0.0", "true"),
    ]
    custom = [
        ("1001", "Triagem", "0.2", "false"),
        ("1002", "Consulta agendada", "0.5", "false"),
        ("1003", "Receita emitida", "0.8", "false"),
        ("1004", "Pago", "1.0", "true"),
        ("1005", "Desistiu", "0.0", "true"),
    ]

    def pipeline(pipeline_id: str, label: str, order: int, stages) -> dict:
        return {
            "id": pipeline_id,
            "label": label,
            "displayOrder": order,
            "archived": False,
            "createdAt": epoch,
            "updatedAt": epoch,
            "stages": [
                {
                    "id": stage_id,
                    "label": stage_label,
                    "displayOrder": index,
                    "archived": False,
                    "createdAt": epoch,
                    "updatedAt": epoch,
                    "metadata": {"isClosed": closed, "probability": probability},
                    "writePermissions": "CRM_PERMISSIONS_ENFORCEMENT",
                }
                for index, (stage_id, stage_label, probability, closed) in enumerate(stages)
            ],
        }

    return [
        pipeline("default", "Sales Pipeline", 0, default),
        pipeline("canabidiol", "Consultas Canabidiol", 1, custom),
    ]


def _write_manychat_csvs(frame: pd.DataFrame, folder: Path, seed: int, rates: DefectRates):
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed + 7)
    parts = np.array_split(np.arange(len(frame)), len(MANYCHAT_EXPORTS))
    truth_rows = []
    for (file_name, encoding, delimiter, header), rows in zip(MANYCHAT_EXPORTS, parts, strict=True):
        part = frame.iloc[rows]
        excel = "excel" in file_name
        scientific = excel & choose(rng, len(part), rates.scientific_notation_id)
        multiline = choose(rng, len(part), rates.multiline_cell)
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n" if excel else "\n")
        writer.writerow([*header, NOTES_HEADER])
        line = 2
        for index, record in enumerate(part.itertuples(index=False)):
            record_id = f"{float(record.id):.5E}" if scientific[index] else record.id
            tags = record.tags.replace(";", ", ")
            notes = "Prefere contato\npela manhã" if multiline[index] else ""
            writer.writerow(
                [
                    record_id,
                    record.first_name,
                    record.last_name,
                    record.name,
                    record.email or "",
                    record.phone,
                    record.whatsapp_phone,
                    tags,
                    record.subscribed[:19].replace("T", " "),
                    record.last_interaction[:19].replace("T", " "),
                    notes,
                ]
            )
            defects = [
                name
                for name, flag in (
                    ("scientific_notation_id", scientific[index]),
                    ("multiline_cell", multiline[index]),
                )
                if flag
            ]
            truth_rows.append(
                (
                    "manychat",
                    "subscribers_csv",
                    f"{file_name}:{line}",
                    None,
                    None,
                    True,
                    ";".join(defects),
                )
            )
            line += 1 + notes.count("\n")
        text = buffer.getvalue()
        (folder / file_name).write_bytes(text.encode(encoding, errors="replace"))
    truth = pd.DataFrame(
        truth_rows,
        columns=[
            "source",
            "entity",
            "record_id",
            "person_id",
            "company_id",
            "in_source",
            "defects",
        ],
    )
    truth["person_id"] = pd.array(
        np.concatenate([frame.iloc[rows]["_person_id"].to_numpy() for rows in parts]),
        dtype="Int64",
    )
    truth["company_id"] = pd.array([None] * len(truth), dtype="Int64")
    return truth


def _write_spend(spend: pd.DataFrame, folder: Path) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    years = spend["month"].str[:4]
    for year in sorted(years.unique()):
        part = spend[years == year]
        part.to_csv(folder / f"marketing_spend_{year}.csv", index=False, float_format="%.2f")
    return len(spend)


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    """pyarrow's CSV writer: several times faster than pandas' for a million rows."""
    table = pa.Table.from_pandas(frame.reset_index(drop=True), preserve_index=False)
    pa_csv.write_csv(table, path, pa_csv.WriteOptions(quoting_style="needed"))


def _write_hubspot_import(world: World, folder: Path) -> None:
    """CSV files for HubSpot's import UI, imported in this order: companies, contacts, deals."""
    folder.mkdir(parents=True, exist_ok=True)
    companies = world.companies[~world.companies["archived"]]
    companies.rename(
        columns={
            "name": "Company name",
            "domain": "Company Domain Name",
            "phone": "Phone Number",
            "city": "City",
            "state": "State/Region",
            "country": "Country/Region",
            "industry": "Industry",
            "especialidade_medica": "Especialidade médica",
        }
    )[
        [
            "Company name",
            "Company Domain Name",
            "Phone Number",
            "City",
            "State/Region",
            "Country/Region",
            "Industry",
            "Especialidade médica",
        ]
    ].pipe(_write_csv, folder / "import_companies.csv")
    domains = world.companies_truth["domain"].to_numpy(object)
    contacts = world.contacts[~world.contacts["archived"]].copy()
    contacts["Company Domain Name"] = domains[contacts["_company_index"].to_numpy()]
    contacts.rename(
        columns={
            "firstname": "First Name",
            "lastname": "Last Name",
            "email": "Email",
            "phone": "Phone Number",
            "mobilephone": "Mobile Phone Number",
            "city": "City",
            "state": "State/Region",
            "lifecyclestage": "Lifecycle Stage",
            "consentimento_whatsapp": "Consentimento WhatsApp",
        }
    )[
        [
            "First Name",
            "Last Name",
            "Email",
            "Phone Number",
            "Mobile Phone Number",
            "City",
            "State/Region",
            "Lifecycle Stage",
            "Consentimento WhatsApp",
            "Company Domain Name",
        ]
    ].pipe(_write_csv, folder / "import_contacts.csv")
    email_by_contact = world.contacts.set_index("_person_id")["email"]
    email_by_contact = email_by_contact[~email_by_contact.index.duplicated()]
    deals = world.deals[~world.deals["archived"]].copy()
    deals["Contact Email"] = email_by_contact.reindex(deals["_person_id"]).to_numpy(object)
    company_index = pd.to_numeric(deals["_company_id"], errors="coerce")
    deals["Company Domain Name"] = [
        None if pd.isna(value) else domains[int(value) - 1] for value in company_index
    ]
    deals.rename(
        columns={
            "dealname": "Deal Name",
            "pipeline": "Pipeline",
            "dealstage": "Deal Stage",
            "amount": "Amount",
            "closedate": "Close Date",
        }
    )[
        [
            "Deal Name",
            "Pipeline",
            "Deal Stage",
            "Amount",
            "Close Date",
            "Contact Email",
            "Company Domain Name",
        ]
    ].pipe(_write_csv, folder / "import_deals.csv")
