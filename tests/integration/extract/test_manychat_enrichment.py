"""ManyChat enrichment against the emulator over HTTP: profiles of the exported subscribers,
ids that Excel rounded recovered by email, unknown subscribers counted, resumable runs."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from crm_elt.dataset import MANYCHAT_COLUMNS, sandbox_path
from crm_elt.http import AuthenticationError
from crm_elt.sandbox import SandboxConfig, start_sandbox
from crm_elt.sources import manychat
from crm_elt.warehouse import get_cursor, open_warehouse
from tests.conftest import sandbox_settings

HEADER = "ID,First Name,Email,Phone,WhatsApp Phone,Tags\n"
# (id, email, phone) as ManyChat has them.
SUBSCRIBERS = [
    ("1000000000000001", "a@example.com", "+5511900000001"),
    ("1000000000000002", None, "+5511900000002"),
    ("1000000000000003", None, "(11) 90000-0003"),  # not E.164: only getInfo can find it
    ("1000000000000004", "shared@example.com", None),  # findBySystemField answers this one
    ("1000000000000005", "shared@example.com", None),
    ("5966353396955548", "sci@example.com", None),
    ("7000000000000007", "wrongfit@example.com", None),
]
EXPORT = [
    "1000000000000001,Ana,a@example.com,+5511900000001,+5511900000001,ilpi",
    "1000000000000002,Bia,,+5511900000002,+5511900000002,",
    "1000000000000003,Caio,,(11) 90000-0003,,",
    "1000000000000005,Duda,shared@example.com,,,",
    "1000000000000004,Edu,shared@example.com,,,estetica",
    "1999999999999999,Fantasma,ghost@example.com,,,",  # not in ManyChat
    "5.96635E+15,Gil,sci@example.com,,,",  # rounded by Excel: recovered by email
    "1.00000E+15,Hugo,wrongfit@example.com,,,",  # its email's id does not round to this
    "2.00000E+15,Iris,,,,",  # nothing to look it up by
]


def write_subscribers(data_dir, rows: list[tuple[str, str | None, str | None]]) -> None:
    frame = pd.DataFrame(
        [
            {
                "id": subscriber_id,
                "page_id": "1234567890123456",
                "first_name": f"Name{index}",
                "last_name": "Silva",
                "name": f"Name{index} Silva",
                "gender": "female",
                "locale": "pt_BR",
                "timezone": "UTC-03",
                "email": email,
                "phone": phone,
                "whatsapp_phone": phone,
                "optin_email": email is not None,
                "optin_phone": True,
                "optin_whatsapp": False,
                "subscribed": "2026-01-05T14:03:00-03:00",
                "last_interaction": None,
                "last_seen": "2026-02-01T10:00:00-03:00",
                "tags": "ilpi;cuidador" if index % 2 else "",
            }
            for index, (subscriber_id, email, phone) in enumerate(rows)
        ],
        columns=list(MANYCHAT_COLUMNS),
    )
    path = sandbox_path(data_dir, "manychat_subscribers.parquet")
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(path, index=False)


def drop_export(settings, lines: list[str], name: str = "export.csv") -> None:
    settings.manychat_input_dir.mkdir(parents=True, exist_ok=True)
    (settings.manychat_input_dir / name).write_text(HEADER + "\n".join(lines) + "\n")


@pytest.fixture
def world(tmp_path):
    """The emulator's dataset: SUBSCRIBERS only."""
    write_subscribers(tmp_path / "api", SUBSCRIBERS)
    return tmp_path / "api"


def run(settings) -> manychat.ExtractResult:
    return manychat.extract(settings)


def stream(result, name):
    return next(item for item in result.streams if item.stream == name)


def saved_cursor(settings) -> dict:
    with open_warehouse(settings) as con:
        return get_cursor(con, "manychat", "subscriber_profiles") or {}


def profiles(settings) -> dict[str, dict]:
    with open_warehouse(settings, read_only=True) as con:
        rows = con.execute(
            "select record_key, record from raw_manychat.subscriber_profiles"
        ).fetchall()
    return {key: json.loads(record) for key, record in rows}


@pytest.mark.parametrize("not_found_as_error", [False, True], ids=["empty-data", "http-400"])
def test_profiles_of_exported_subscribers_with_rounded_ids_recovered(
    tmp_path, world, not_found_as_error
):
    config = SandboxConfig(manychat_not_found_as_error=not_found_as_error)
    with start_sandbox(world, config=config) as sandbox:
        settings = sandbox_settings(tmp_path / "data", sandbox.url, MANYCHAT_ENRICH="new")
        drop_export(settings, EXPORT)
        result = run(settings)
        expected_profile = (
            sandbox.emulators["manychat"]._subscriber_response("1000000000000001").body["data"]
        )

    enriched = stream(result, "subscriber_profiles")
    assert enriched.outcome == "success"
    # page check 1; by email 1, phone 1, id 1; shared email 1+1 (other id, then getInfo) and
    # 1; unknown 1+1; recovery by email 1; recovery that does not fit 1; no email/phone 0.
    assert enriched.stats.requests == 11
    found = profiles(settings)
    assert sorted(found) == [
        "1000000000000001",
        "1000000000000002",
        "1000000000000003",
        "1000000000000004",
        "1000000000000005",
        "5966353396955548",
    ]
    assert found["1000000000000001"] == json.loads(json.dumps(expected_profile))
    assert enriched.stats.received == 6
    assert enriched.stats.inserted == 7  # six profiles and the recovered export row

    with open_warehouse(settings, read_only=True) as con:
        recovered = con.execute(
            "select record ->> 'first_name', record ->> '_source_line', record -> '_recovered', "
            "record -> '_flags', _recovered_from from raw_manychat.subscribers "
            "where record_key = '5966353396955548'"
        ).fetchall()
        quarantine_key = con.execute(
            "select load_id || '/' || file_name || ':' || line_number from _elt.quarantine "
            "where line_number = 8"
        ).fetchall()
        log = con.execute(
            "select stream, outcome, records_received from _elt.load_log order by stream"
        ).fetchall()
    cursor = saved_cursor(settings)
    name, line, how, flags, recovered_from = recovered[0]
    assert (name, line) == ("Gil", "8")
    assert [(recovered_from,)] == quarantine_key
    assert json.loads(how)["scientific_id"] == "5.96635E+15"
    assert json.loads(how)["found_by"] == "email"
    assert "recovered_id_by_email" in json.loads(flags)
    assert log == [("subscriber_profiles", "success", 6), ("subscribers", "success", 9)]
    assert cursor["not_known"] == ["1999999999999999"]
    assert [key.split("/", 1)[1] for key in cursor["unrecovered"]] == ["export.csv:9"]


def test_later_runs_ask_only_for_new_subscribers_and_all_asks_again(tmp_path, world):
    with start_sandbox(world) as sandbox:
        settings = sandbox_settings(tmp_path / "data", sandbox.url, MANYCHAT_ENRICH="new")
        drop_export(settings, EXPORT)
        run(settings)
        again = stream(run(settings), "subscriber_profiles")
        drop_export(settings, ["1000000000000001,Ana,a@example.com,,,"], "second.csv")
        changed_only = stream(run(settings), "subscriber_profiles")
        everyone = stream(
            run(sandbox_settings(tmp_path / "data", sandbox.url, MANYCHAT_ENRICH="all")),
            "subscriber_profiles",
        )
    assert (again.outcome, again.stats.requests, again.stats.inserted) == ("success", 0, 0)
    assert changed_only.stats.requests == 0  # a known subscriber: nothing new to ask
    # Every current subscriber, the unknown one included (7), plus the page check; rows that
    # could not be recovered are not tried again.
    assert everyone.stats.requests == 10  # page; 01 02 03 04 05(2) ghost(2) 5966
    assert everyone.stats.received == 6 and everyone.stats.inserted == 0


def test_a_killed_run_resumes_where_its_last_checkpoint_left(tmp_path, monkeypatch):
    ids = [f"{3000000000000000 + number}" for number in range(60)]
    write_subscribers(tmp_path / "api", [(id_, f"p{id_}@example.com", None) for id_ in ids])
    monkeypatch.setattr(manychat, "FLUSH_EVERY", 10)
    real_look_up = manychat.look_up
    calls = {"count": 0}

    class Killed(Exception):
        pass

    def dies_after_25(client, lookup):
        calls["count"] += 1
        if calls["count"] > 25:
            raise Killed("process killed")
        return real_look_up(client, lookup)

    with start_sandbox(tmp_path / "api") as sandbox:
        settings = sandbox_settings(tmp_path / "data", sandbox.url, MANYCHAT_ENRICH="new")
        drop_export(settings, [f"{id_},P,p{id_}@example.com,,," for id_ in ids])
        monkeypatch.setattr(manychat, "look_up", dies_after_25)
        with pytest.raises(Killed):
            run(settings)
        saved = len(profiles(settings))
        monkeypatch.setattr(manychat, "look_up", real_look_up)
        resumed = stream(run(settings), "subscriber_profiles")
    assert saved in (10, 20)  # whole checkpoints only
    assert resumed.stats.requests == 1 + (60 - saved)
    assert sorted(profiles(settings)) == ids


def test_a_killed_full_refresh_resumes_after_the_last_id_refreshed(tmp_path, monkeypatch):
    ids = [f"{3000000000000000 + number}" for number in range(40)]
    write_subscribers(tmp_path / "api", [(id_, f"p{id_}@example.com", None) for id_ in ids])
    monkeypatch.setattr(manychat, "FLUSH_EVERY", 10)
    real_look_up = manychat.look_up
    calls = {"count": 0}

    def dies_after_15(client, lookup):
        calls["count"] += 1
        if calls["count"] > 15:
            raise RuntimeError("process killed")
        return real_look_up(client, lookup)

    with start_sandbox(tmp_path / "api") as sandbox:
        new = sandbox_settings(tmp_path / "data", sandbox.url, MANYCHAT_ENRICH="new")
        full = sandbox_settings(tmp_path / "data", sandbox.url, MANYCHAT_ENRICH="all")
        drop_export(new, [f"{id_},P,p{id_}@example.com,,," for id_ in ids])
        run(new)
        monkeypatch.setattr(manychat, "look_up", dies_after_15)
        with pytest.raises(RuntimeError, match="killed"):
            run(full)
        through = saved_cursor(full)["refreshed_through"]
        monkeypatch.setattr(manychat, "look_up", real_look_up)
        resumed = stream(run(full), "subscriber_profiles")
        finished = saved_cursor(full)
        next_sweep = stream(run(full), "subscriber_profiles")
    assert through == ids[9]  # the last checkpoint before the kill
    assert resumed.stats.requests == 1 + 30
    assert "refreshed_through" not in finished and "refresh_started_at" not in finished
    assert next_sweep.stats.requests == 1 + 40


def test_a_refused_token_fails_the_enrichment_but_keeps_the_loaded_rows(tmp_path, world):
    config = SandboxConfig(manychat_wrong_token_status=400)
    with start_sandbox(world, config=config) as sandbox:
        settings = sandbox_settings(
            tmp_path / "data", sandbox.url, MANYCHAT_ENRICH="new", MANYCHAT_TOKEN="1:wrong"
        )
        drop_export(settings, EXPORT[:2])
        with pytest.raises(AuthenticationError, match="manychat rejected the credentials"):
            run(settings)
    with open_warehouse(settings, read_only=True) as con:
        log = con.execute(
            "select stream, outcome, error from _elt.load_log order by stream"
        ).fetchall()
        loaded = con.execute("select count(*) from raw_manychat.subscribers").fetchall()
    assert [(name, outcome) for name, outcome, _ in log] == [
        ("subscriber_profiles", "failed"),
        ("subscribers", "success"),
    ]
    assert "Wrong format token" in log[0][2] and "1:wrong" not in log[0][2]
    assert loaded == [(2,)]


def test_enrichment_off_by_default_makes_no_stream(tmp_path, world):
    with start_sandbox(world) as sandbox:
        settings = sandbox_settings(tmp_path / "data", sandbox.url)
        drop_export(settings, EXPORT[:2])
        result = run(settings)
    assert settings.manychat_enrich == "off"
    assert [item.stream for item in result.streams] == ["subscribers"]


@pytest.mark.slow
def test_under_the_emulators_rate_limits_every_lookup_succeeds(tmp_path):
    ids = [f"{4000000000000000 + number}" for number in range(120)]
    # A third reachable only by id (10/s), the rest by email (50/s).
    rows = [(id_, None if n % 3 == 0 else f"r{id_}@example.com", None) for n, id_ in enumerate(ids)]
    write_subscribers(tmp_path / "api", rows)
    with start_sandbox(tmp_path / "api", config=SandboxConfig(rate_limits=True)) as sandbox:
        settings = sandbox_settings(
            tmp_path / "data", sandbox.url, MANYCHAT_ENRICH="new", HTTP_TIMEOUT_SECONDS="5"
        )
        drop_export(settings, [f"{id_},R,{email or ''},,," for id_, email, _ in rows])
        enriched = stream(run(settings), "subscriber_profiles")
    assert enriched.outcome == "success" and enriched.stats.received == 120
    # 40 by id at 9/s set the pace: about 4.4 s, not the 13 s of 120 getInfo calls.
    assert enriched.duration_s < 9
