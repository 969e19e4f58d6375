"""The emulators' settings: SandboxConfig (one knob per behaviour the notes leave unconfirmed)
and FaultSpec (the faults to inject per API)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FaultSpec:
    """Probabilities of each injected fault for one API (each request draws once)."""

    error_5xx: float = 0.0
    rate_limited: float = 0.0  # a 429 in the API's own shape
    burst: int = 0  # after a 429, this many more requests also get 429
    reset: float = 0.0  # the connection is closed without a response
    truncated: float = 0.0  # 200 with the JSON body cut in half
    empty: float = 0.0  # 200 with an empty body (a known Hotmart bug)
    slow: float = 0.0  # the answer comes after `slow_s`, longer than a client timeout
    slow_s: float = 3.0

    @classmethod
    def parse(cls, text: str) -> dict[str, FaultSpec]:
        """'hubspot:5xx=0.1,429=0.05;hotmart:empty=0.02' -> {api: FaultSpec}."""
        names = {
            "5xx": "error_5xx",
            "429": "rate_limited",
            "reset": "reset",
            "burst": "burst",
            "truncate": "truncated",
            "empty": "empty",
            "slow": "slow",
            "slow_s": "slow_s",
        }
        specs: dict[str, FaultSpec] = {}
        for part in filter(None, (chunk.strip() for chunk in text.split(";"))):
            api, _, settings = part.partition(":")
            spec = cls()
            for item in filter(None, settings.split(",")):
                key, _, value = item.partition("=")
                if key.strip() not in names:
                    raise ValueError(f"unknown fault {key!r}; expected one of {', '.join(names)}")
                kind = int if key.strip() == "burst" else float
                setattr(spec, names[key.strip()], kind(value))
            specs[api.strip()] = spec
        return specs


@dataclass
class SandboxConfig:
    """Knobs for the emulators. Rate limits and faults are off unless asked for."""

    rate_limits: bool = False
    hubspot_ten_second_limit: int = 190
    hubspot_search_per_second: int = 5
    hubspot_daily_limit: int = 1_000_000
    hubspot_max_url_length: int = 8000
    hubspot_clamp_list_limit: bool = False  # False: limit > 100 is a 400 VALIDATION_ERROR
    hubspot_merged_read_survivor: bool = False  # False: reading a merged-away id is a 404
    hubspot_search_max_groups: int = 5
    hubspot_search_max_filters_per_group: int = 6
    hubspot_search_max_filters: int = 18
    # propertiesWithHistory lowers the page max (SDK: 50); the same cap on batch-read inputs
    # with history is unconfirmed.
    hubspot_history_page_max: int = 50
    # Unconfirmed: inputs per v4 association batch/create and batch/archive (batch/read: 1000).
    hubspot_association_batch_max: int = 2000
    # Unconfirmed: True answers a batch/create with some bad inputs 207 and creates the rest;
    # False rejects the whole batch with a 400 and creates nothing.
    hubspot_association_errors_multi_status: bool = True
    # Unconfirmed: whether creating or removing an association bumps both records' modified
    # date (roll-ups such as num_associated_contacts might); False leaves them alone.
    hubspot_association_change_bumps_modified: bool = False
    # Unconfirmed: the propertiesWithHistory `sourceType` of writes made through the API.
    hubspot_api_write_source_type: str = "INTEGRATION"
    hotmart_per_minute: int = 500
    hotmart_token_expires_in: int = 86400
    hotmart_default_max_results: int = 10
    hotmart_max_window_days: int = 366
    hotmart_user_roles: tuple[str, ...] = ("BUYER", "PRODUCER")
    # Unconfirmed: how several `transaction_status` values are read. "repeated_or_comma"
    # honours both spellings; "first_only" keeps only the first value of the first key.
    hotmart_status_values: str = "repeated_or_comma"
    manychat_wrong_token_status: int = 401
    manychat_not_found_as_error: bool = False  # False: findBySystemField answers `data: []`
    seed: int = 0
    faults: dict[str, FaultSpec] = field(default_factory=dict)
