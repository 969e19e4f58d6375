"""Write the world to disk in the layout of crm_elt/dataset.py, deterministically.

Each table is written as soon as it is built and then dropped (see `WorldBuilder`), from one
Arrow table for both its Parquet file and its CSV.
"""

from __future__ import annotations

import json
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from crm_elt.dataset import (
    HOTMART_SALES_COLUMNS,
    HOTMART_USERS_COLUMNS,
    HUBSPOT_RECORD_COLUMNS,
    MANYCHAT_COLUMNS,
    SANDBOX_DIR,
)
from crm_elt.fakedata import text
from crm_elt.fakedata.contact_points import IDENTITY_COLUMNS
from crm_elt.fakedata.defects import DefectLog, DefectRates, choose
from crm_elt.fakedata.generate import (
    TRUTH_SCHEMA,
    Companies,
    Contacts,
    Deals,
    ManyChat,
    WorldBuilder,
    constant,
    truth_table,
)

# Exports, each shaped like a different way people get ManyChat CSVs out.
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
    # A Portuguese-language account's export, as most Brazilian users will drop it in.
    (
        "manychat_contatos_pt.csv",
        "utf-8-sig",
        ";",
        [
            "ID do usuário",
            "Nome",
            "Sobrenome",
            "Nome completo",
            "E-mail",
            "Telefone",
            "Telefone do WhatsApp",
            "Etiquetas",
            "Inscrito em",
            "Última interação",
        ],
    ),
    (
        "manychat_contactos_es.tsv",
        "utf-8",
        "\t",
        [
            "ID de usuario",
            "Nombre",
            "Apellido",
            "Nombre completo",
            "Correo electrónico",
            "Teléfono",
            "Teléfono de WhatsApp",
            "Etiquetas",
            "Suscrito",
            "Última interacción",
        ],
    ),
)
# Exports from Portuguese and Spanish accounts write dates day first, to the minute.
MANYCHAT_DAY_FIRST_EXPORTS = frozenset({"manychat_contatos_pt.csv", "manychat_contactos_es.tsv"})
NOTES_HEADER = "Observações"
MULTILINE_NOTE = "Prefere contato\npela manhã"
COUNT_ORDER = (
    "hubspot_companies",
    "hubspot_contacts",
    "hubspot_deals",
    "hubspot_associations",
    "hotmart_sales",
    "hotmart_sales_users",
    "manychat_subscribers",
    "manychat_csv_rows",
    "marketing_spend_rows",
    "truth_persons",
    "truth_records",
)


def write_world(
    out: Path, seed: int, contacts: int, as_of: date, rates: DefectRates
) -> dict[str, int]:
    out = Path(out)
    sandbox = out / SANDBOX_DIR
    sandbox.mkdir(parents=True, exist_ok=True)
    imports = out / "hubspot_import"
    imports.mkdir(parents=True, exist_ok=True)
    truth = out / "truth"
    truth.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    builder = WorldBuilder(seed, contacts, as_of, rates)
    with BackgroundWrites() as writes:
        # The truth of each table is written as soon as it is known, not held to the end.
        truth_writer = pq.ParquetWriter(
            truth / "records.parquet",
            TRUTH_SCHEMA,
            compression="snappy",
            use_dictionary=[
                "source",
                "entity",
                "defects",
                "email_kind",
                "phone_kind",
                "second_phone_kind",
            ],
        )
        counts["truth_records"] = 0

        def flush_truth(*extra: pa.Table) -> None:
            for table in [*builder.truth, *extra]:
                truth_writer.write_table(table)
                counts["truth_records"] += table.num_rows
            builder.truth.clear()

        counts["marketing_spend_rows"] = _write_spend(
            builder.spend(), out / "input" / "marketing_spend"
        )
        builder.persons()

        companies = builder.companies()
        counts["hubspot_companies"] = writes.parquet(
            companies.records, sandbox / "hubspot_companies.parquet"
        )
        writes.parquet(companies.truth, truth / "companies.parquet")
        _write_import_companies(companies, imports / "import_companies.csv")

        contact_records = builder.contacts(companies)
        counts["hubspot_contacts"] = writes.parquet(
            contact_records.records, sandbox / "hubspot_contacts.parquet"
        )
        _write_import_contacts(contact_records, companies, imports / "import_contacts.csv")

        deals = builder.deals(contact_records)
        counts["hubspot_deals"] = writes.parquet(deals.records, sandbox / "hubspot_deals.parquet")
        counts["hubspot_associations"] = writes.parquet(
            deals.associations, sandbox / "hubspot_associations.parquet"
        )
        _write_import_deals(deals, contact_records, companies, imports / "import_deals.csv")
        _write_json(
            sandbox / "hubspot_properties.json",
            property_definitions(
                {
                    "companies": companies.records.column_names,
                    "contacts": contact_records.records.column_names,
                    "deals": deals.records.column_names,
                }
            ),
        )
        _write_json(sandbox / "hubspot_pipelines.json", {"deals": deal_pipelines()})
        del companies, contact_records, deals
        flush_truth()
        _release_memory()

        hotmart = builder.hotmart()
        counts["hotmart_sales"] = writes.parquet(
            hotmart.sales.select(list(HOTMART_SALES_COLUMNS)), sandbox / "hotmart_sales.parquet"
        )
        counts["hotmart_sales_users"] = writes.parquet(
            hotmart.users.select(list(HOTMART_USERS_COLUMNS)),
            sandbox / "hotmart_sales_users.parquet",
        )
        del hotmart
        flush_truth()
        _release_memory()

        manychat = builder.manychat()
        counts["manychat_subscribers"] = writes.parquet(
            manychat.subscribers.select(list(MANYCHAT_COLUMNS)),
            sandbox / "manychat_subscribers.parquet",
        )
        csv_truth = _write_manychat_csvs(manychat, out / "input" / "manychat", seed, rates)
        counts["manychat_csv_rows"] = csv_truth.num_rows
        del manychat
        flush_truth(csv_truth)
        truth_writer.close()
        del csv_truth
        _release_memory()

        # The builder's table: later steps add what they learn (e.g. work emails).
        counts["truth_persons"] = writes.parquet(builder.person_table, truth / "persons.parquet")
        return {name: counts[name] for name in COUNT_ORDER}


class BackgroundWrites:
    """Parquet files written on a thread of their own while the next table is built: Arrow's
    writer releases the GIL, so on two cores writing and building overlap."""

    def __init__(self):
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="parquet")
        self.pending: list[Future] = []

    def parquet(self, table: pa.Table, path: Path) -> int:
        self.pending.append(self.executor.submit(_write_parquet, table, path))
        return table.num_rows

    def __enter__(self) -> BackgroundWrites:
        return self

    def __exit__(self, *exc_info) -> None:
        try:
            for write in self.pending:
                write.result()  # a failed write raises here
        finally:
            self.executor.shutdown(wait=True)


def _release_memory() -> None:
    """Hand the freed tables' memory back to the system before the next table is built.

    Arrow's allocator keeps freed pages for reuse; the next table's numpy temporaries cannot
    use them, so without this the peak is the sum of both rather than the larger one.
    """
    pa.default_memory_pool().release_unused()


def _write_parquet(table: pa.Table, path: Path) -> int:
    # No schema metadata: nobody reads it, and the files stay plain.
    pq.write_table(
        table.replace_schema_metadata(None),
        path,
        compression="snappy",
        use_dictionary=dictionary_columns(table),
    )
    return table.num_rows


DICTIONARY_SAMPLE = 10_000
DICTIONARY_MAX_DISTINCT = 1_000


def dictionary_columns(table: pa.Table) -> list[str]:
    """The string columns worth dictionary-encoding: few distinct values in their first rows.

    Building a dictionary for names, emails or ids costs more time than it saves space (the
    writer gives up on it anyway), so those are written plain.
    """
    head = table.slice(0, DICTIONARY_SAMPLE)
    return [
        field.name
        for field in table.schema
        if pa.types.is_string(field.type)
        and pc.count_distinct(head.column(field.name)).as_py() <= DICTIONARY_MAX_DISTINCT
    ]


def _write_json(path: Path, payload: object) -> None:
    path.write_text(
        json.dumps(payload, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )


def property_definitions(columns: dict[str, list[str]]) -> dict[str, list[dict]]:
    """Property definitions for each object type, from the columns of its table."""
    custom = {
        "especialidade_medica": "Especialidade médica",
        "consentimento_whatsapp": "Consentimento WhatsApp",
    }
    definitions = {}
    for object_type, column_names in columns.items():
        names = [
            column
            for column in column_names
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


def _write_manychat_csvs(
    manychat: ManyChat, folder: Path, seed: int, rates: DefectRates
) -> pa.Table:
    """The ManyChat exports (MANYCHAT_EXPORTS), and their rows' ground truth (`file:line`)."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed + 7)
    subscribers = manychat.subscribers
    parts = np.array_split(np.arange(subscribers.num_rows), len(MANYCHAT_EXPORTS))
    truth_parts = []
    for (file_name, encoding, delimiter, header), rows in zip(MANYCHAT_EXPORTS, parts, strict=True):
        part = subscribers.take(pa.array(rows))
        size = part.num_rows
        excel = "excel" in file_name
        scientific = excel & choose(rng, size, rates.scientific_notation_id)
        multiline = choose(rng, size, rates.multiline_cell)
        ids = part.column("id").combine_chunks()
        scientific_rows = np.flatnonzero(scientific)
        ids = text.patched(
            ids,
            [
                (
                    scientific_rows,
                    pa.array(
                        [f"{float(value):.5E}" for value in ids.take(scientific_rows).to_pylist()],
                        type=pa.string(),
                    ),
                )
            ],
        )
        fields = [
            ids,
            part.column("first_name"),
            part.column("last_name"),
            part.column("name"),
            part.column("email"),
            part.column("phone"),
            part.column("whatsapp_phone"),
            pc.replace_substring(part.column("tags"), ";", ", "),
            _local_datetime(part.column("subscribed"), file_name),
            _local_datetime(part.column("last_interaction"), file_name),
            text.patched(
                constant("", size, pa.string()),
                [(np.flatnonzero(multiline), constant(MULTILINE_NOTE, int(multiline.sum())))],
            ),
        ]
        content = text.csv_text(
            [*header, NOTES_HEADER], fields, delimiter, "\r\n" if excel else "\n"
        )
        if encoding != "utf-8":
            content = content.decode("utf-8").encode(encoding, errors="replace")
        (folder / file_name).write_bytes(content)

        # A quoted line break inside a cell moves every later record one line down.
        lines_taken = 1 + multiline.astype(np.int64)
        line_numbers = 2 + np.cumsum(lines_taken) - lines_taken
        log = DefectLog(size)
        log.add("scientific_notation_id", scientific)
        log.add("multiline_cell", multiline)
        # A row carries its subscriber's data, so its data defects and contact points too.
        subscriber_truth = manychat.truth.take(pa.array(rows))
        csv_truth = truth_table(
            "manychat",
            "subscribers_csv",
            text.concat(f"{file_name}:", text.decimal(line_numbers)),
            manychat.person_id[rows],
            None,
            log,
        )
        defects = pc.utf8_trim(
            text.concat(subscriber_truth.column("defects"), ";", csv_truth.column("defects")),
            characters=";",
        )
        csv_truth = csv_truth.set_column(
            csv_truth.schema.get_field_index("defects"), "defects", defects
        )
        for name in IDENTITY_COLUMNS:
            index = csv_truth.schema.get_field_index(name)
            csv_truth = csv_truth.set_column(index, name, subscriber_truth.column(name))
        truth_parts.append(csv_truth)
    return pa.concat_tables(truth_parts)


def _local_datetime(values: pa.ChunkedArray, file_name: str) -> pa.Array:
    """'2026-01-05T14:03:00-03:00' (Brasília time) as the export writes it: '2026-01-05
    14:03:00', or '05/01/2026 14:03' from a Portuguese or Spanish account."""
    if file_name in MANYCHAT_DAY_FIRST_EXPORTS:

        def part(start: int, stop: int) -> pa.ChunkedArray:
            return pc.utf8_slice_codeunits(values, start, stop)

        return pc.binary_join_element_wise(
            part(8, 10), "/", part(5, 7), "/", part(0, 4), " ", part(11, 16), ""
        )
    return pc.replace_substring(
        pc.utf8_slice_codeunits(values, 0, 19), "T", " ", max_replacements=1
    )


def _write_spend(spend: pd.DataFrame, folder: Path) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    years = spend["month"].str[:4]
    for year in sorted(years.unique()):
        part = spend[years == year]
        part.to_csv(folder / f"marketing_spend_{year}.csv", index=False, float_format="%.2f")
    return len(spend)


def _write_csv(table: pa.Table, path: Path) -> None:
    """pyarrow's CSV writer: several times faster than pandas' for a million rows."""
    pa_csv.write_csv(table, path, pa_csv.WriteOptions(quoting_style="needed"))


def _import_table(table: pa.Table, columns: dict[str, str]) -> pa.Table:
    """The chosen columns of `table`, under their names in HubSpot's import UI."""
    return pa.table({label: table.column(name) for name, label in columns.items()})


def _live(table: pa.Table) -> pa.Table:
    return table.filter(pc.invert(table.column("archived")))


def _write_import_companies(companies: Companies, path: Path) -> None:
    """CSV files for HubSpot's import UI, imported in this order: companies, contacts, deals."""
    _write_csv(
        _import_table(
            _live(companies.records),
            {
                "name": "Company name",
                "domain": "Company Domain Name",
                "phone": "Phone Number",
                "city": "City",
                "state": "State/Region",
                "country": "Country/Region",
                "industry": "Industry",
                "especialidade_medica": "Especialidade médica",
            },
        ),
        path,
    )


def _write_import_contacts(contacts: Contacts, companies: Companies, path: Path) -> None:
    domains = companies.truth.column("domain").combine_chunks()
    table = contacts.records.append_column(
        "_company_domain", text.take(domains, contacts.company_index)
    )
    _write_csv(
        _import_table(
            _live(table),
            {
                "firstname": "First Name",
                "lastname": "Last Name",
                "email": "Email",
                "phone": "Phone Number",
                "mobilephone": "Mobile Phone Number",
                "city": "City",
                "state": "State/Region",
                "lifecyclestage": "Lifecycle Stage",
                "consentimento_whatsapp": "Consentimento WhatsApp",
                "_company_domain": "Company Domain Name",
            },
        ),
        path,
    )


def _write_import_deals(deals: Deals, contacts: Contacts, companies: Companies, path: Path) -> None:
    domains = companies.truth.column("domain").combine_chunks()
    # Each person's first contact record is row person_id - 1 (see Contacts).
    if (deals.person_id > contacts.n_first_records).any():
        raise ValueError("a deal belongs to a person without a first contact record")
    emails = contacts.records.column("email").take(pa.array(deals.person_id - 1))
    has_company = deals.company_id > 0
    company_domains = text.null_where(
        text.take(domains, np.where(has_company, deals.company_id - 1, 0)), ~has_company
    )
    table = deals.records.append_column("_contact_email", emails).append_column(
        "_company_domain", company_domains
    )
    _write_csv(
        _import_table(
            _live(table),
            {
                "dealname": "Deal Name",
                "pipeline": "Pipeline",
                "dealstage": "Deal Stage",
                "amount": "Amount",
                "closedate": "Close Date",
                "_contact_email": "Contact Email",
                "_company_domain": "Company Domain Name",
            },
        ),
        path,
    )
