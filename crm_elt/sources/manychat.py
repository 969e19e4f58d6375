"""ManyChat subscribers from the UI's CSV exports (ManyChat has no API to list them).

Header spellings vary between exports and the account's UI language (English, Portuguese,
Spanish); `HEADER_SPELLINGS` lists them, `HEADER_MAP` maps their normalized form to canonical
columns and any other column is kept under its normalized name. A CSV named by
`MANYCHAT_HEADER_MAP_FILE` (columns `header,column`) adds spellings or overrides built-in ones;
it is checked before any file loads. IDs stay text. Dates stay as exported, and are also given
in UTC under `_utc`, read in each file's own day/month order (see crm_elt.sources.export_dates)
and in the account's time zone (MANYCHAT_TIMEZONE).
An ID that Excel turned into scientific notation (`1.23457E+15`) has lost digits: its row is
quarantined rather than loaded under a wrong id.

A second stream, `subscriber_profiles` (MANYCHAT_ENRICH=new|all), looks the exported
subscribers up in the API for their full profile, and recovers quarantined rounded-id rows by
email or phone (see "API enrichment" below).
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, tzinfo
from decimal import Decimal, InvalidOperation
from functools import partial
from pathlib import Path
from zoneinfo import ZoneInfo

from crm_elt.http import ApiClient, ApiError, AuthenticationError, RetryPolicy, SlidingWindowLimiter
from crm_elt.progress import Progress
from crm_elt.settings import Settings, SettingsError
from crm_elt.sources.base import ExtractResult, fetched_concurrently, tracked_stream
from crm_elt.sources.csv_files import (
    CsvRow,
    FileValidator,
    ParsedFile,
    RowValidator,
    detect_delimiter,
    detect_encoding,
    formula_like_fields,
    load_folder,
    normalize_header,
)
from crm_elt.sources.export_dates import (
    DAY_FIRST,
    MONTH_FIRST,
    ORDER_NAMES,
    DateError,
    DateOrder,
    infer_date_order,
    parse_local_datetime,
)
from crm_elt.warehouse import (
    RawRecord,
    StreamStats,
    current_versions_sql,
    ensure_elt_schema,
    ensure_raw_table,
    get_cursor,
    new_load_id,
    open_warehouse,
    utc_now,
    warehouse_session,
    write_records,
)

logger = logging.getLogger("crm_elt.sources.manychat")

SOURCE = "manychat"
ENTITY = "subscribers"

# --- Export headers -------------------------------------------------------------------------
#
# Header spellings by canonical column and by the language of the account's UI, matched after
# `normalize_header` (so case, accents, spaces and punctuation do not matter: "ID do usuário",
# "id do usuario" and "ID_DO_USUARIO" are one spelling). ManyChat publishes no export column
# list (API_NOTES §3.2): the English spellings are those community importers meet, the
# Portuguese and Spanish ones the names ManyChat's pt-BR and es interfaces give these fields
# ("Nome", "Sobrenome", "Nome completo"; "Nombre", "Apellido", "Nombre y apellido"), as
# Brazilian users' exports show them. "any" spellings are shared by every language.
HEADER_SPELLINGS: dict[str, dict[str, tuple[str, ...]]] = {
    "subscriber_id": {
        "any": ("ID", "PSID", "subscriber_id"),
        "en": ("Subscriber ID", "User ID", "UserID", "Contact ID"),
        "pt": (
            "ID do usuário",
            "ID de usuário",
            "ID do assinante",
            "ID do inscrito",
            "ID do contato",
        ),
        "es": (
            "ID de usuario",
            "ID del usuario",
            "ID de suscriptor",
            "ID del suscriptor",
            "ID de contacto",
            "ID del contacto",
        ),
    },
    "first_name": {
        "en": ("First Name", "FirstName"),
        "pt": ("Nome", "Primeiro nome"),
        "es": ("Nombre", "Primer nombre", "Nombre de pila"),
    },
    "last_name": {
        "en": ("Last Name", "LastName", "Surname"),
        "pt": ("Sobrenome", "Último nome"),
        "es": ("Apellido", "Apellidos"),
    },
    "full_name": {
        "en": ("Full Name", "Name"),
        "pt": ("Nome completo",),
        "es": ("Nombre completo", "Nombre y apellido", "Nombre y apellidos"),
    },
    "email": {
        "any": ("Email", "E-mail"),
        "en": ("Email Address",),
        "pt": ("Endereço de e-mail",),
        "es": ("Correo electrónico", "Correo", "Dirección de correo electrónico"),
    },
    "phone": {
        "en": ("Phone", "Phone Number"),
        "pt": ("Telefone", "Celular", "Número de telefone"),
        "es": ("Teléfono", "Celular", "Número de teléfono", "Móvil"),
    },
    "whatsapp_phone": {
        "any": ("WhatsApp",),
        "en": ("WhatsApp Phone", "WhatsApp Number", "WhatsApp Phone Number"),
        "pt": ("Telefone do WhatsApp", "Telefone WhatsApp", "Número do WhatsApp"),
        "es": ("Teléfono de WhatsApp", "Teléfono WhatsApp", "Número de WhatsApp"),
    },
    "tags": {
        "en": ("Tags",),
        "pt": ("Etiquetas",),
        "es": ("Etiquetas",),
    },
    "subscribed_at": {
        "en": ("Subscribed", "Subscribed At", "Subscribed Date", "Subscription Date"),
        "pt": ("Inscrito em", "Inscrito", "Data de inscrição", "Data da inscrição"),
        "es": ("Suscrito", "Suscrito el", "Suscrito en", "Fecha de suscripción"),
    },
    "last_interaction_at": {
        "en": ("Last Interaction", "Last Interaction At"),
        "pt": ("Última interação", "Data da última interação"),
        "es": ("Última interacción", "Fecha de la última interacción"),
    },
    "gender": {
        "en": ("Gender",),
        "pt": ("Gênero", "Sexo"),
        "es": ("Género", "Sexo"),
    },
}
# Columns the importer reads as the account's local date-times, into `_utc` (see below).
DATE_COLUMNS = ("subscribed_at", "last_interaction_at")
DATE_ORDER_KEY = "_date_order"
UTC_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
# Languages whose accounts write dates day first; a file follows its headers' language when
# none of its dates is unambiguous. English accounts write month first.
DAY_FIRST_LANGUAGES = frozenset({"pt", "es"})
LANGUAGE_NAMES = {"en": "English", "pt": "Portuguese", "es": "Spanish"}
# "Nome"/"Nombre" is ManyChat's first-name field next to a last name; alone, people (and bots
# that build their own exports) put the whole name in it.
_NAME_ALONE_IS_FULL_NAME = frozenset({"nome", "nombre"})


def _header_tables() -> tuple[dict[str, str], dict[str, frozenset[str]]]:
    columns: dict[str, str] = {}
    languages: dict[str, set[str]] = {}
    for column, by_language in HEADER_SPELLINGS.items():
        for language, spellings in by_language.items():
            for spelling in spellings:
                header = normalize_header(spelling)
                if columns.setdefault(header, column) != column:
                    raise ValueError(f"header {spelling!r} is listed for two columns")
                if language != "any":
                    languages.setdefault(header, set()).add(language)
    return columns, {header: frozenset(found) for header, found in languages.items()}


# Normalized spelling -> canonical column, and -> the languages that write it.
HEADER_MAP, HEADER_LANGUAGES = _header_tables()
_SCIENTIFIC = re.compile(r"^\d+([.,]\d+)?e[+-]?\d+$", re.IGNORECASE)
# Canonical columns become JSON keys and dbt column names: lowercase identifiers only.
_COLUMN_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class HeaderMapError(SettingsError):
    """MANYCHAT_HEADER_MAP_FILE cannot be used; the message names the file and line."""


def read_header_map(path: Path) -> dict[str, str]:
    """The `header,column` pairs of a header map file, headers normalized like file headers.

    Encoding and delimiter are detected as for the exports, since the map is usually saved
    from the same spreadsheet program. A header listed twice must map to the same column.
    """
    where = f"MANYCHAT_HEADER_MAP_FILE {path.name}"
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise HeaderMapError(f"{where}: cannot be read ({exc.strerror})") from None
    text = data.decode(detect_encoding(data), errors="replace")
    lines = text.splitlines()
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=detect_delimiter(lines[0] if lines else "")
    )
    try:
        names = [normalize_header(name) for name in next(reader)]
    except StopIteration:
        raise HeaderMapError(
            f"{where} line 1: empty file (expected a first line header,column)"
        ) from None
    missing = [name for name in ("header", "column") if name not in names]
    if missing:
        raise HeaderMapError(
            f"{where} line 1: missing column(s) {', '.join(missing)} (expected header,column)"
        )
    header_at, column_at = names.index("header"), names.index("column")
    mapping: dict[str, tuple[str, int]] = {}
    previous_end = reader.line_num
    try:
        for row in reader:
            line = previous_end + 1  # where the row starts, even if a quoted cell spans lines
            if any(cell.strip() for cell in row):
                _add_mapping(mapping, row, header_at, column_at, f"{where} line {line}", line)
            previous_end = reader.line_num
    except csv.Error as exc:
        raise HeaderMapError(f"{where} line {previous_end + 1}: unreadable row ({exc})") from None
    return {header: column for header, (column, _) in mapping.items()}


def _add_mapping(
    mapping: dict[str, tuple[str, int]],
    row: list[str],
    header_at: int,
    column_at: int,
    where: str,
    line: int,
) -> None:
    if len(row) <= max(header_at, column_at):
        raise HeaderMapError(f"{where}: expected a header and a column, found {len(row)} field(s)")
    raw_header, column = row[header_at].strip(), row[column_at].strip()
    header = normalize_header(raw_header)
    if not header:
        raise HeaderMapError(f"{where}: header {raw_header!r} has no letters or digits")
    if not _COLUMN_NAME.match(column):
        raise HeaderMapError(
            f"{where}: column {column[:40]!r} is not a valid column name "
            "(lowercase letters, digits and _, starting with a letter)"
        )
    if header in mapping and mapping[header][0] != column:
        earlier_column, earlier_line = mapping[header]
        raise HeaderMapError(
            f"{where}: header {raw_header!r} maps to {column!r}, but line {earlier_line} "
            f"maps it to {earlier_column!r}"
        )
    mapping.setdefault(header, (column, line))


def header_map(settings: Settings) -> dict[str, str]:
    """The built-in spellings, extended or overridden by MANYCHAT_HEADER_MAP_FILE."""
    if settings.manychat_header_map_file is None:
        return dict(HEADER_MAP)
    return {**HEADER_MAP, **read_header_map(settings.manychat_header_map_file)}


def header_language(header: Sequence[str]) -> str | None:
    """The UI language most of a file's headers are spelt in; None if none or a tie."""
    votes = Counter(
        language for name in header for language in HEADER_LANGUAGES.get(normalize_header(name), ())
    )
    ranked = votes.most_common()
    if not ranked:
        return None
    best = [language for language, count in ranked if count == ranked[0][1]]
    if len(best) == 1 or set(best) <= DAY_FIRST_LANGUAGES:
        return sorted(best)[0]
    return None


def file_date_order(parsed: ParsedFile, file_name: str) -> DateOrder:
    """The order `file_name`'s dates are read in, logged with why."""
    language = header_language(parsed.header)
    if language is None:
        default, why = DAY_FIRST, "read day first by default"
    else:
        default = DAY_FIRST if language in DAY_FIRST_LANGUAGES else MONTH_FIRST
        why = f"{LANGUAGE_NAMES[language]} headers, read {ORDER_NAMES[default]}"
    cells = (row.values.get(column, "") for row in parsed.rows for column in DATE_COLUMNS)
    order = infer_date_order(cells, default, why)
    if any(column in parsed.columns for column in DATE_COLUMNS) and parsed.rows:
        log = logger.warning if order.contradictory else logger.info
        log("%s: dates read %s (%s)", file_name, ORDER_NAMES[order.order], order.reason)
    return order


def subscriber_validator(settings: Settings) -> FileValidator:
    """The row validator for each export: its date order, and what its name columns mean."""
    zone = ZoneInfo(settings.manychat_timezone)

    def for_file(parsed: ParsedFile, file_name: str) -> RowValidator:
        order = file_date_order(parsed, file_name).order
        has_dates = any(column in parsed.columns for column in DATE_COLUMNS)
        names = {normalize_header(name) for name in parsed.header}
        name_is_full = (
            bool(names & _NAME_ALONE_IS_FULL_NAME)
            and "last_name" not in parsed.columns
            and "full_name" not in parsed.columns
        )

        def validate(row: CsvRow, name: str) -> RawRecord | tuple[str | None, str]:
            if name_is_full and "first_name" in row.values:
                row.values["full_name"] = row.values.pop("first_name")
            if has_dates:
                # Kept with the row, loaded or quarantined, so that a row recovered later
                # reads its dates as its file did.
                row.values[DATE_ORDER_KEY] = order
            return validate_subscriber(row, name, zone)

        return validate

    return for_file


def validate_subscriber(
    row: CsvRow, file_name: str, zone: tzinfo = UTC
) -> RawRecord | tuple[str | None, str]:
    """The export row as a raw record, its dates also in UTC under `_utc`; or why not."""
    subscriber_id = row.values.get("subscriber_id", "")
    if not subscriber_id:
        return "subscriber_id", "missing subscriber id"
    if _SCIENTIFIC.match(subscriber_id):
        return (
            "subscriber_id",
            f"subscriber id {subscriber_id!r} is in scientific notation (an Excel round trip "
            "dropped its digits); export the file again without opening it in Excel",
        )
    if not subscriber_id.isdigit():
        return "subscriber_id", f"subscriber id {subscriber_id[:40]!r} is not a number"
    order = row.values.get(DATE_ORDER_KEY, DAY_FIRST)
    in_utc = {}
    for column in DATE_COLUMNS:
        cell = row.values.get(column, "")
        if cell:
            try:
                in_utc[column] = parse_local_datetime(cell, order, zone).strftime(UTC_FORMAT)
            except DateError as exc:
                return column, f"{column} {exc}"
    flags = [f"formula_like:{name}" for name in formula_like_fields(row.values)]
    flags += [
        f"scientific_notation:{name}"
        for name in ("phone", "whatsapp_phone")
        if _SCIENTIFIC.match(row.values.get(name, ""))
    ]
    payload = {**row.values, "_source_file": file_name, "_source_line": row.line, "_flags": flags}
    if in_utc:
        payload["_utc"] = in_utc
    return RawRecord(subscriber_id, None, payload)


def extract(
    settings: Settings,
    *,
    load_id: str | None = None,
    streams: Sequence[str] | None = None,
    retry: RetryPolicy | None = None,
) -> ExtractResult:
    """The CSV exports, then (MANYCHAT_ENRICH, with a token) the API lookups of subscribers."""
    columns = header_map(settings)  # a bad map file stops the run before anything loads
    wanted = tuple(streams or STREAMS)
    result = ExtractResult(SOURCE, load_id or new_load_id())
    with warehouse_session(settings):
        if ENTITY in wanted:
            with tracked_stream(settings, result, ENTITY) as stats:
                load_folder(
                    settings,
                    source=SOURCE,
                    entity=ENTITY,
                    folder=settings.manychat_input_dir,
                    header_map=columns,
                    required=("subscriber_id",),
                    validator_for_file=subscriber_validator(settings),
                    load_id=result.load_id,
                    stats=stats,
                )
        if PROFILES in wanted and settings.manychat_enrich != "off" and settings.manychat_token:
            client = make_client(settings, retry)
            with tracked_stream(settings, result, PROFILES, client) as stats:
                enrich_subscribers(settings, client, result.load_id, stats)
    return result


# --- API enrichment -------------------------------------------------------------------------
#
# ManyChat cannot list subscribers, but it can look one up: getInfo by id (10/s per token) or
# findBySystemField by email or phone (50/s). Subscribers from the exports are looked up by
# email or phone first, keeping the answer only when it is the same id, and by id otherwise
# (or when the quick lookup found nobody or someone else): the two endpoints have separate
# budgets, so together they go about five times faster than getInfo alone. A row quarantined
# because Excel rounded its id is looked up by email or phone too, and loaded under the id
# found if that id rounds to the one in the file.

PROFILES = "subscriber_profiles"
STREAMS = (ENTITY, PROFILES)
# Kept a little under ManyChat's per-token limits (API_NOTES §3.1), so a call that reaches
# the server a moment late never finds the window still full.
INFO_PER_SECOND = 9
FIND_PER_SECOND = 45
PAGE_PER_SECOND = 90
LOOKUP_WORKERS = 8
FLUSH_EVERY = 200  # lookups per checkpoint
FLUSH_EVERY_S = 5.0
MISSES_LOGGED = 5
_E164 = re.compile(r"^\+\d{10,15}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Recovery:
    """A quarantined export row whose id an Excel round trip rounded."""

    key: str  # "<load_id>/<file>:<line>": names its quarantine row
    file_name: str
    line: int
    values: dict[str, str]
    scientific_id: str


@dataclass(frozen=True)
class Lookup:
    subscriber_id: str | None  # None: the export lost it (see `recovery`)
    email: str | None
    phone: str | None
    recovery: Recovery | None = None


@dataclass(frozen=True)
class LookupOutcome:
    lookup: Lookup
    profile: dict | None
    found_by: str = ""  # "email" | "phone" | "id"
    miss: str = ""  # why there is no profile


def make_client(settings: Settings, retry: RetryPolicy | None = None) -> ApiClient:
    return ApiClient(
        source=SOURCE,
        base_url=settings.manychat_base_url,
        auth_headers=lambda: {"Authorization": f"Bearer {settings.manychat_token}"},
        timeout_s=settings.http_timeout_s,
        retry=retry or RetryPolicy(max_attempts=settings.http_max_attempts),
        limiters={
            bucket: paced(per_second)
            for bucket, per_second in (
                ("page", PAGE_PER_SECOND),
                ("info", INFO_PER_SECOND),
                ("find", FIND_PER_SECOND),
            )
        },
    )


def paced(per_second: int) -> SlidingWindowLimiter:
    """One call every 1/per_second s. Allowing per_second calls in any second would let a
    burst leave at each second's edge and meet the server's window still holding the previous
    burst, if the server saw that one a few ms late (a 429 every few hundred calls)."""
    return SlidingWindowLimiter(1, 1.0 / per_second)


def enrich_subscribers(
    settings: Settings, client: ApiClient, load_id: str, stats: StreamStats
) -> None:
    """Look up the subscribers MANYCHAT_ENRICH asks for into raw_manychat.subscriber_profiles.

    Progress is checkpointed with each batch: in `new` mode the profiles table itself says who
    is done, in `all` mode the cursor keeps the last id refreshed (lookups go in id order).
    Subscribers ManyChat does not know, and quarantined rows that could not be matched, are
    kept in the cursor, logged and counted, and not asked about again (`all` asks again).
    """
    mode = settings.manychat_enrich
    with open_warehouse(settings) as con:
        cursor = get_cursor(con, SOURCE, PROFILES) or {}
        if mode == "all":
            cursor.setdefault("refresh_started_at", utc_now().isoformat())
        else:
            cursor.pop("refresh_started_at", None)
            cursor.pop("refreshed_through", None)
        lookups = pending_lookups(con, mode, cursor)
    not_known = set(cursor.get("not_known", []))
    unrecovered = set(cursor.get("unrecovered", []))
    if not lookups:
        logger.info("%s.%s: no subscriber to look up", SOURCE, PROFILES)
        return
    check_token(client)
    progress = Progress(f"{SOURCE}.{PROFILES}")
    zone = ZoneInfo(settings.manychat_timezone)
    tally: Counter[str] = Counter()
    profiles: list[RawRecord] = []
    recovered: list[RawRecord] = []
    since_flush, flushed_at = 0, time.monotonic()

    def flush() -> None:
        nonlocal profiles, recovered, since_flush, flushed_at
        cursor["not_known"] = sorted(not_known)
        cursor["unrecovered"] = sorted(unrecovered)
        with open_warehouse(settings) as con:
            # Rows first: if the run dies between the two writes, the recovered subscriber
            # has no profile yet and is looked up by id next time.
            if recovered:
                stats.inserted += write_records(
                    con, source=SOURCE, entity=ENTITY, records=recovered, load_id=load_id
                )
            stats.inserted += write_records(
                con,
                source=SOURCE,
                entity=PROFILES,
                records=profiles,
                load_id=load_id,
                cursor=cursor,
            )
        stats.pages += 1
        profiles, recovered, since_flush, flushed_at = [], [], 0, time.monotonic()
        progress.update(stats.received)

    tasks = (partial(look_up, client, lookup) for lookup in lookups)
    for outcome in fetched_concurrently(tasks, workers=LOOKUP_WORKERS, ahead=4 * LOOKUP_WORKERS):
        lookup = outcome.lookup
        if outcome.profile is not None:
            subscriber_id = str(outcome.profile["id"])
            profiles.append(RawRecord(subscriber_id, None, outcome.profile))
            stats.received += 1
            tally[f"by {outcome.found_by}"] += 1
            not_known.discard(subscriber_id)
            if lookup.recovery is not None:
                row = recovered_row(lookup.recovery, subscriber_id, outcome.found_by, zone)
                if isinstance(row, RawRecord):
                    recovered.append(row)
                    tally["recovered"] += 1
                else:
                    unrecovered.add(lookup.recovery.key)
                    _log_miss(tally, "unrecovered", f"{lookup.recovery.key}: {row[1]}")
        elif lookup.recovery is not None:
            unrecovered.add(lookup.recovery.key)
            _log_miss(tally, "unrecovered", f"{lookup.recovery.key}: {outcome.miss}")
        else:
            not_known.add(str(lookup.subscriber_id))
            _log_miss(tally, "not known", f"subscriber {lookup.subscriber_id}: {outcome.miss}")
        if mode == "all" and lookup.recovery is None:
            cursor["refreshed_through"] = lookup.subscriber_id
        since_flush += 1
        if since_flush >= FLUSH_EVERY or time.monotonic() - flushed_at >= FLUSH_EVERY_S:
            flush()
    cursor.pop("refresh_started_at", None)  # a complete sweep: the next `all` starts over
    cursor.pop("refreshed_through", None)
    flush()
    progress.update(stats.received, force=True)
    logger.info(
        "%s.%s: %d profiles (%d by email, %d by phone, %d by id); %d subscribers ManyChat "
        "does not know; %d quarantined rows recovered, %d not recoverable",
        SOURCE,
        PROFILES,
        stats.received,
        tally["by email"],
        tally["by phone"],
        tally["by id"],
        tally["not known"],
        tally["recovered"],
        tally["unrecovered"],
    )


def pending_lookups(con, mode: str, cursor: dict) -> list[Lookup]:
    """Quarantined rows to recover, then the subscribers `mode` asks for, in id order."""
    ensure_elt_schema(con)
    subscribers = ensure_raw_table(con, SOURCE, ENTITY)
    profiles_table = ensure_raw_table(con, SOURCE, PROFILES)
    if mode == "all":
        rows = con.execute(
            f"""
            select record_key, record ->> 'email', record ->> 'whatsapp_phone',
                record ->> 'phone'
            from ({current_versions_sql(subscribers)})
            where record_key > ? order by record_key
            """,
            [cursor.get("refreshed_through") or ""],
        ).fetchall()
    else:
        not_known = set(cursor.get("not_known", []))
        rows = [
            row
            for row in con.execute(
                f"""
                select record_key, record ->> 'email', record ->> 'whatsapp_phone',
                    record ->> 'phone'
                from ({current_versions_sql(subscribers)}) as subscriber
                where not exists (
                    select 1 from {profiles_table} as profile
                    where profile.record_key = subscriber.record_key
                )
                order by record_key
                """
            ).fetchall()
            if row[0] not in not_known
        ]
    lookups = [
        Lookup(key, _email(email), _phone(whatsapp_phone, phone))
        for key, email, whatsapp_phone, phone in rows
    ]
    return recoveries(con, cursor) + lookups


def recoveries(con, cursor: dict) -> list[Lookup]:
    """Rows quarantined for a rounded id, with an email or phone, not tried before.

    A row recovered once is done, and so is the same row quarantined again from another copy
    of its file (same name, line and cells): it would be recovered into the same record.
    """
    unrecovered = set(cursor.get("unrecovered", []))
    subscribers = ensure_raw_table(con, SOURCE, ENTITY)
    rows = con.execute(
        f"""
        with recovered as (
            select done.file_name, done.line_number, done.raw_content
            from {subscribers} as subscriber
            join _elt.quarantine as done
                on subscriber._recovered_from
                    = done.load_id || '/' || done.file_name || ':' || done.line_number
        )
        select load_id, file_name, line_number, raw_content from _elt.quarantine as quarantined
        where source = ? and entity = ? and field = 'subscriber_id'
            and reason like '%scientific notation%'
            and not exists (
                select 1 from recovered
                where recovered.file_name = quarantined.file_name
                    and recovered.line_number = quarantined.line_number
                    and recovered.raw_content = quarantined.raw_content
            )
        order by load_id, file_name, line_number
        """,
        [SOURCE, ENTITY],
    ).fetchall()
    found = []
    for load_id, file_name, line, raw_content in rows:
        key = f"{load_id}/{file_name}:{line}"
        try:
            values = json.loads(raw_content)
        except (TypeError, ValueError):
            continue  # quarantined before rows were kept as JSON: nothing to look up by
        if key in unrecovered or not isinstance(values, dict):
            continue
        email = _email(values.get("email"))
        phone = _phone(values.get("whatsapp_phone"), values.get("phone"))
        if email or phone:
            recovery = Recovery(key, file_name, line, values, str(values["subscriber_id"]))
            found.append(Lookup(None, email, phone, recovery))
    return found


def check_token(client: ApiClient) -> None:
    """One cheap call first, so a refused token fails the stream instead of every lookup."""
    path = "/fb/page/getInfo"
    try:
        payload = client.get(path, bucket="page")
    except ApiError as exc:
        if exc.status == 400:  # ManyChat documents every failure, a bad token too, as 400
            raise AuthenticationError(SOURCE, 400, "GET", path, str(exc)) from None
        raise
    if _success_data(payload) is None:
        raise ApiError(SOURCE, 200, "GET", path, "the answer has no status 'success'")


def look_up(client: ApiClient, lookup: Lookup) -> LookupOutcome:
    if lookup.recovery is not None:
        return _recover(client, lookup)
    wanted = str(lookup.subscriber_id)
    by, value = ("email", lookup.email) if lookup.email else ("phone", lookup.phone)
    if value:
        for candidate in find_subscribers(client, by, value):
            if str(candidate.get("id")) == wanted:
                return LookupOutcome(lookup, candidate, by)
    path = "/fb/subscriber/getInfo"
    try:
        payload = client.get(path, params={"subscriber_id": wanted}, bucket="info")
    except ApiError as exc:
        if exc.status == 400:  # "Subscriber does not exist" and friends
            return LookupOutcome(lookup, None, miss=str(exc))
        raise
    data = _success_data(payload)
    if not isinstance(data, dict) or str(data.get("id")) != wanted:
        return LookupOutcome(lookup, None, miss=f"GET {path} answered without this subscriber")
    return LookupOutcome(lookup, data, "id")


def find_subscribers(client: ApiClient, by: str, value: str) -> list[dict]:
    """findBySystemField's answer as a list: none, or the one subscriber it returns."""
    try:
        payload = client.get("/fb/subscriber/findBySystemField", params={by: value}, bucket="find")
    except ApiError as exc:
        if exc.status == 400:  # not found, or a value ManyChat does not accept
            return []
        raise
    data = _success_data(payload)
    items = data if isinstance(data, list) else [data]
    return [item for item in items if isinstance(item, dict) and item.get("id")]


def _recover(client: ApiClient, lookup: Lookup) -> LookupOutcome:
    recovery = lookup.recovery
    assert recovery is not None
    tried = []
    for by, value in (("email", lookup.email), ("phone", lookup.phone)):
        if not value:
            continue
        fitting = [
            candidate
            for candidate in find_subscribers(client, by, value)
            if id_fits_scientific(str(candidate["id"]), recovery.scientific_id)
        ]
        if len(fitting) == 1:
            return LookupOutcome(lookup, fitting[0], by)
        tried.append(by)
    return LookupOutcome(
        lookup,
        None,
        miss=f"no subscriber with this {' or '.join(tried)} has an id that rounds to "
        f"{recovery.scientific_id}",
    )


def id_fits_scientific(subscriber_id: str, scientific: str) -> bool:
    """Whether Excel's `1.23457E+15` can be `subscriber_id` rounded (half a last digit off)."""
    try:
        rounded = Decimal(scientific.replace(",", "."))
    except InvalidOperation:
        return False
    if not subscriber_id.isdigit() or not rounded.is_finite():
        return False
    half_unit = Decimal(10) ** rounded.as_tuple().exponent / 2
    return abs(Decimal(subscriber_id) - rounded) <= half_unit


def recovered_row(
    recovery: Recovery, subscriber_id: str, found_by: str, zone: tzinfo
) -> RawRecord | tuple[str | None, str]:
    """The quarantined export row, loaded under the id ManyChat gave for its email or phone;
    or why it still cannot be loaded (e.g. a date that is not one)."""
    row = CsvRow(recovery.line, {**recovery.values, "subscriber_id": subscriber_id})
    record = validate_subscriber(row, recovery.file_name, zone)
    if not isinstance(record, RawRecord):
        return record
    record.payload["_flags"].append(f"recovered_id_by_{found_by}")
    record.payload["_recovered"] = {"scientific_id": recovery.scientific_id, "found_by": found_by}
    return record._replace(recovered_from=recovery.key)


def _success_data(payload: object) -> object:
    """`data` of a `{"status": "success"}` answer; None for any other answer."""
    if not isinstance(payload, dict) or payload.get("status") != "success":
        return None
    return payload.get("data")


def _email(value: object) -> str | None:
    text = str(value or "").strip()
    return text if _EMAIL.match(text) else None


def _phone(*values: object) -> str | None:
    """The first value in findBySystemField's phone format (E.164, `+5511987654321`)."""
    for value in values:
        text = str(value or "").strip()
        if _E164.match(text):
            return text
    return None


def _log_miss(tally: Counter[str], kind: str, message: str) -> None:
    tally[kind] += 1
    if tally[kind] <= MISSES_LOGGED:
        logger.warning("%s.%s %s: %s", SOURCE, PROFILES, kind, message)
    elif tally[kind] == MISSES_LOGGED + 1:
        logger.warning("%s.%s: more %s, counted at the end", SOURCE, PROFILES, kind)
