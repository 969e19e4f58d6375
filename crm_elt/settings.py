"""Settings: read once from the environment and `.env`, validated, shared by blocks, CLI and tests.

Mage never reads `.env`, so the package does it here. Variables already in the process
environment win over `.env`, so CI and `make` can override any value.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dotenv.parser import parse_stream

from crm_elt.sandbox.credentials import SANDBOX_CREDENTIALS

PROJECT_ROOT = Path(__file__).resolve().parents[1]
ENVIRONMENTS = ("dev", "hml", "prd")
# How Hotmart's sales history is asked for every status: whether the real API accepts a
# repeated or comma-joined `transaction_status` is unconfirmed, one pass per status always works.
HOTMART_STATUS_FILTERS = ("per_status", "repeated", "comma")
# Which CSV subscribers are looked up in the ManyChat API after each load: none; those first
# seen or changed in an export since their last lookup; or every one (a full refresh). Off
# unless set, so tests and tools without .env call no API; .env.example sets `new`.
MANYCHAT_ENRICH_MODES = ("off", "new", "all")
# The ManyChat push of the daily batch: `auto` pushes only to the local emulator (the demo
# shows it), never to a real account; `on` pushes wherever MANYCHAT_BASE_URL points.
MANYCHAT_PUSH_MODES = ("auto", "on", "off")
REMARKETING_CSV_ENCODINGS = ("utf-8-sig", "utf-8")
DEFAULT_SANDBOX_PORT = 8765
_TIME_PATTERN = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
# Mage routes the token's URL segment as `\w+` (a '-' makes the call a 405) and it is written
# into YAML unquoted: letters, digits and '_' only.
_TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_]{16,128}$")


class SettingsError(Exception):
    """A missing or malformed setting. The message is one line naming the variable."""


@dataclass(frozen=True)
class DeliverySettings:
    """Where the day's batch goes: the CSV file, the ManyChat push, the HubSpot write-back."""

    csv_delimiter: str = ";"
    csv_encoding: str = "utf-8-sig"  # with a BOM, so Excel reads the accents right
    csv_decimal: str = ","  # money as a Brazilian Excel reads a number: 1234,56
    manychat_push: str = "auto"
    manychat_tag: str = "remarketing_{date}"
    manychat_flow_ns: str = ""  # empty: tag only, send no flow
    hubspot_writeback: bool = False
    hubspot_writeback_max_requests: int = 2000  # per run; the rest goes on the next run


# DuckDB's own default; a size (512MB, 1.5GB) or a share of the machine's memory.
DEFAULT_DUCKDB_MEMORY_LIMIT = "80%"
_MEMORY_LIMIT_PATTERN = re.compile(r"^\d+(\.\d+)?\s*(%|[KMGT]i?B)$", re.IGNORECASE)


@dataclass(frozen=True)
class Settings:
    environment: str
    data_dir: Path
    sandbox_port: int
    hubspot_base_url: str
    hotmart_base_url: str
    hotmart_auth_url: str
    manychat_base_url: str
    schedule_time: str
    http_timeout_s: float
    hotmart_resweep_days: int
    http_max_attempts: int
    hubspot_requests_per_10s: int
    hotmart_requests_per_minute: int
    hotmart_status_filter: str
    manychat_header_map_file: Path | None
    # Secrets are kept out of repr so a logged Settings object never leaks them.
    hubspot_access_token: str = field(repr=False)
    hotmart_client_id: str = field(repr=False)
    hotmart_client_secret: str = field(repr=False)
    hotmart_basic_token: str = field(repr=False)
    manychat_token: str = field(repr=False, default="")
    manychat_enrich: str = "off"
    # The account's time zone: ManyChat exports write local times without an offset.
    manychat_timezone: str = "America/Sao_Paulo"
    delivery: DeliverySettings = field(default_factory=lambda: DeliverySettings())
    # The Mage API trigger's token (the only credential Mage checks on that endpoint).
    mage_api_trigger_token: str = field(repr=False, default="")
    # DuckDB's memory cap for dbt (`1GB`, `80%`): below it DuckDB spills to disk, slower.
    duckdb_memory_limit: str = DEFAULT_DUCKDB_MEMORY_LIMIT
    project_root: Path = PROJECT_ROOT

    @property
    def warehouse_path(self) -> Path:
        return self.data_dir / "db" / self.environment / "warehouse.duckdb"

    @property
    def dbt_target(self) -> str:
        return self.environment

    @property
    def mage_io_profile(self) -> str:
        return self.environment

    @property
    def dbt_project_dir(self) -> Path:
        return self.project_root / "dbt"

    @property
    def input_dir(self) -> Path:
        return self.data_dir / "input"

    @property
    def manychat_input_dir(self) -> Path:
        return self.input_dir / "manychat"

    @property
    def marketing_spend_input_dir(self) -> Path:
        return self.input_dir / "marketing_spend"

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "logs" / self.environment

    @property
    def archive_dir(self) -> Path:
        return self.data_dir / "archive" / self.environment

    @property
    def sandbox_data_dir(self) -> Path:
        return self.data_dir / "sandbox"

    @property
    def sandbox_url(self) -> str:
        return f"http://127.0.0.1:{self.sandbox_port}"

    @property
    def remarketing_output_dir(self) -> Path:
        return self.data_dir / "output" / "remarketing" / self.environment

    @property
    def manychat_push_enabled(self) -> bool:
        if self.delivery.manychat_push == "auto":
            return self.manychat_base_url.startswith(self.sandbox_url)
        return self.delivery.manychat_push == "on"

    def secret_values(self) -> list[str]:
        """Every configured secret, for redaction and for tests that grep logs."""
        values = [
            self.hubspot_access_token,
            self.hotmart_client_id,
            self.hotmart_client_secret,
            self.hotmart_basic_token,
            self.manychat_token,
            self.mage_api_trigger_token,
        ]
        return [value for value in values if value]


def read_env_file(path: Path) -> dict[str, str]:
    """Parse a `.env` file strictly: a line python-dotenv cannot parse is an error, not a skip."""
    values: dict[str, str] = {}
    with path.open(encoding="utf-8") as stream:
        for binding in parse_stream(stream):
            if binding.error:
                raise SettingsError(
                    f"{path.name} line {binding.original.line}: cannot parse "
                    f"{binding.original.string.strip()[:40]!r} (expected KEY=value)"
                )
            if binding.key is not None:
                values[binding.key] = binding.value or ""
    return values


def load_settings(
    environ: Mapping[str, str] | None = None, env_file: Path | None = None
) -> Settings:
    """Build validated settings from `environ` (default: os.environ) over the `.env` file."""
    environ = os.environ if environ is None else environ
    env_file = env_file or Path(environ.get("CRM_ELT_ENV_FILE", PROJECT_ROOT / ".env"))
    merged: dict[str, str] = read_env_file(env_file) if env_file.is_file() else {}
    merged.update({key: value for key, value in environ.items()})

    def get(name: str, default: str) -> str:
        value = merged.get(name, "").strip()
        return value if value else default

    environment = _parse_choice("ENVIRONMENT", get("ENVIRONMENT", "dev"), ENVIRONMENTS)

    port = _parse_int("SANDBOX_PORT", get("SANDBOX_PORT", str(DEFAULT_SANDBOX_PORT)), 1, 65535)
    sandbox = f"http://127.0.0.1:{port}"
    data_dir = Path(get("CRM_ELT_DATA_DIR", str(PROJECT_ROOT / "data"))).expanduser().resolve()

    schedule_time = get("SCHEDULE_TIME", "06:00")
    if not _TIME_PATTERN.match(schedule_time):
        raise SettingsError(f"SCHEDULE_TIME={schedule_time!r} is invalid: expected HH:MM (24 h)")

    hotmart_status_filter = _parse_choice(
        "HOTMART_STATUS_FILTER", get("HOTMART_STATUS_FILTER", "per_status"), HOTMART_STATUS_FILTERS
    )
    header_map_raw = get("MANYCHAT_HEADER_MAP_FILE", "")
    manychat_header_map_file = (
        (PROJECT_ROOT / Path(header_map_raw).expanduser()).resolve() if header_map_raw else None
    )
    if manychat_header_map_file is not None and not manychat_header_map_file.is_file():
        raise SettingsError(f"MANYCHAT_HEADER_MAP_FILE={header_map_raw!r} is invalid: no such file")
    manychat_enrich = _parse_choice(
        "MANYCHAT_ENRICH", get("MANYCHAT_ENRICH", "off"), MANYCHAT_ENRICH_MODES
    )
    manychat_timezone = _time_zone(
        "MANYCHAT_TIMEZONE", get("MANYCHAT_TIMEZONE", "America/Sao_Paulo")
    )

    api_trigger_token = get("MAGE_API_TRIGGER_TOKEN", "")
    if api_trigger_token and not _TOKEN_PATTERN.match(api_trigger_token):
        raise SettingsError(
            "MAGE_API_TRIGGER_TOKEN is invalid: expected 16-128 letters, digits or '_'"
        )

    duckdb_memory_limit = get("DUCKDB_MEMORY_LIMIT", DEFAULT_DUCKDB_MEMORY_LIMIT)
    if not _MEMORY_LIMIT_PATTERN.match(duckdb_memory_limit):
        raise SettingsError(
            f"DUCKDB_MEMORY_LIMIT={duckdb_memory_limit!r} is invalid: expected a size such as "
            "1GB or 512MB, or a share such as 80%"
        )

    return Settings(
        environment=environment,
        data_dir=data_dir,
        sandbox_port=port,
        hubspot_base_url=_url("HUBSPOT_BASE_URL", get("HUBSPOT_BASE_URL", f"{sandbox}/hubspot")),
        hotmart_base_url=_url("HOTMART_BASE_URL", get("HOTMART_BASE_URL", f"{sandbox}/hotmart")),
        hotmart_auth_url=_url(
            "HOTMART_AUTH_URL",
            get("HOTMART_AUTH_URL", f"{sandbox}/hotmart/security/oauth/token"),
        ),
        manychat_base_url=_url(
            "MANYCHAT_BASE_URL", get("MANYCHAT_BASE_URL", f"{sandbox}/manychat")
        ),
        schedule_time=schedule_time,
        http_timeout_s=_parse_float("HTTP_TIMEOUT_SECONDS", get("HTTP_TIMEOUT_SECONDS", "30")),
        http_max_attempts=_parse_int("HTTP_MAX_ATTEMPTS", get("HTTP_MAX_ATTEMPTS", "8"), 1, 20),
        hubspot_requests_per_10s=_parse_int(
            "HUBSPOT_REQUESTS_PER_10S", get("HUBSPOT_REQUESTS_PER_10S", "190"), 1, 1_000_000
        ),
        hotmart_requests_per_minute=_parse_int(
            "HOTMART_REQUESTS_PER_MINUTE", get("HOTMART_REQUESTS_PER_MINUTE", "480"), 1, 1_000_000
        ),
        hotmart_status_filter=hotmart_status_filter,
        manychat_header_map_file=manychat_header_map_file,
        hotmart_resweep_days=_parse_int(
            "HOTMART_RESWEEP_DAYS", get("HOTMART_RESWEEP_DAYS", "90"), 1, 3650
        ),
        hubspot_access_token=get("HUBSPOT_ACCESS_TOKEN", SANDBOX_CREDENTIALS.hubspot_access_token),
        hotmart_client_id=get("HOTMART_CLIENT_ID", SANDBOX_CREDENTIALS.hotmart_client_id),
        hotmart_client_secret=get(
            "HOTMART_CLIENT_SECRET", SANDBOX_CREDENTIALS.hotmart_client_secret
        ),
        hotmart_basic_token=get("HOTMART_BASIC_TOKEN", SANDBOX_CREDENTIALS.hotmart_basic_token),
        manychat_token=get("MANYCHAT_TOKEN", SANDBOX_CREDENTIALS.manychat_token),
        manychat_enrich=manychat_enrich,
        manychat_timezone=manychat_timezone,
        delivery=_delivery_settings(get),
        mage_api_trigger_token=api_trigger_token,
        duckdb_memory_limit=duckdb_memory_limit,
    )


def _delivery_settings(get: Callable[[str, str], str]) -> DeliverySettings:
    delimiter = get("REMARKETING_CSV_DELIMITER", ";")
    if delimiter == "\\t":
        delimiter = "\t"
    if len(delimiter) != 1 or delimiter in "\"'\r\n" or delimiter.isalnum():
        raise SettingsError(
            f"REMARKETING_CSV_DELIMITER={delimiter!r} is invalid: expected one character "
            "such as ; or , (\\t for a tab)"
        )
    default_decimal = "." if delimiter == "," else ","
    decimal = _parse_choice(
        "REMARKETING_CSV_DECIMAL", get("REMARKETING_CSV_DECIMAL", default_decimal), (",", ".")
    )
    if decimal == delimiter:
        raise SettingsError(
            f"REMARKETING_CSV_DECIMAL={decimal!r} is invalid: it is also the delimiter"
        )
    tag = get("MANYCHAT_PUSH_TAG", "remarketing_{date}")
    try:
        tag.format(date="2000-01-01")
    except (KeyError, IndexError, ValueError):
        raise SettingsError(
            f"MANYCHAT_PUSH_TAG={tag!r} is invalid: the only placeholder allowed is {{date}}"
        ) from None
    return DeliverySettings(
        csv_delimiter=delimiter,
        csv_encoding=_parse_choice(
            "REMARKETING_CSV_ENCODING",
            get("REMARKETING_CSV_ENCODING", "utf-8-sig"),
            REMARKETING_CSV_ENCODINGS,
        ),
        csv_decimal=decimal,
        manychat_push=_parse_choice(
            "MANYCHAT_PUSH", get("MANYCHAT_PUSH", "auto"), MANYCHAT_PUSH_MODES
        ),
        manychat_tag=tag,
        manychat_flow_ns=get("MANYCHAT_PUSH_FLOW_NS", ""),
        hubspot_writeback=_parse_choice(
            "HUBSPOT_WRITEBACK", get("HUBSPOT_WRITEBACK", "off"), ("on", "off")
        )
        == "on",
        hubspot_writeback_max_requests=_parse_int(
            "HUBSPOT_WRITEBACK_MAX_REQUESTS",
            get("HUBSPOT_WRITEBACK_MAX_REQUESTS", "2000"),
            1,
            1_000_000,
        ),
    )


def _parse_choice(name: str, raw: str, choices: tuple[str, ...]) -> str:
    if raw not in choices:
        raise SettingsError(f"{name}={raw!r} is invalid: expected one of {', '.join(choices)}")
    return raw


def _parse_int(name: str, raw: str, low: int, high: int) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is invalid: expected a whole number") from None
    if not low <= value <= high:
        raise SettingsError(f"{name}={raw!r} is invalid: expected {low}..{high}")
    return value


def _parse_float(name: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r} is invalid: expected a number of seconds") from None
    if value <= 0:
        raise SettingsError(f"{name}={raw!r} is invalid: expected a positive number")
    return value


def _time_zone(name: str, raw: str) -> str:
    try:
        ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(
            f"{name}={raw!r} is invalid: expected an IANA time zone such as America/Sao_Paulo"
        ) from None
    return raw


def _url(name: str, raw: str) -> str:
    if not raw.startswith(("http://", "https://")):
        raise SettingsError(f"{name}={raw!r} is invalid: expected an http(s):// URL")
    return raw.rstrip("/")
