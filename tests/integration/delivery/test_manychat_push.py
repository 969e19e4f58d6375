"""The ManyChat push over real HTTP against the emulator: each batch contact's subscriber gets
the day's tag once, whatever happens (re-runs, kills, deleted subscribers, 429 storms)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter

import pandas as pd
import pytest
import requests

from crm_elt.dataset import sandbox_path
from crm_elt.exporters.manychat_push import PushLog, make_push_client, push_batch
from crm_elt.http import RetryPolicy
from crm_elt.sandbox import FaultSpec, SandboxConfig, start_sandbox
from crm_elt.warehouse import ensure_ops_schema, open_warehouse
from tests.conftest import PROJECT_ROOT, make_settings
from tests.integration.delivery.conftest import (
    BATCH_DATE,
    JOINED_MANYCHAT_LATER,
    delivery_settings,
)

TAG = f"remarketing_{BATCH_DATE}"
FAST_RETRY = RetryPolicy(
    max_attempts=3,
    base_delay_s=0.01,
    max_delay_s=0.05,
    ten_secondly_delay_s=0.05,
    secondly_delay_s=0.01,
)


def writes(sandbox, path: str) -> list[dict]:
    answer = requests.get(f"{sandbox.url}/_sandbox/manychat/writes", timeout=5).json()
    return [write["body"] for write in answer["writes"] if write["path"] == path]


def tagged(sandbox) -> Counter:
    return Counter(str(body["subscriber_id"]) for body in writes(sandbox, "/fb/subscriber/addTag"))


def push_log(settings) -> pd.DataFrame:
    with open_warehouse(settings, read_only=True) as con:
        return con.execute("select * from ops.manychat_push_log order by golden_contact_id").df()


def batch(settings) -> pd.DataFrame:
    with open_warehouse(settings, read_only=True) as con:
        return con.execute("select * from marts.remarketing_batch order by priority_rank").df()


def expected_subscribers(world, rows: pd.DataFrame) -> dict[str, str]:
    """Golden contact -> the subscriber ManyChat holds for it: its id, else the first
    subscriber with its WhatsApp number as phone, else with its email (as the emulator finds)."""
    subscribers = pd.read_parquet(sandbox_path(world, "manychat_subscribers.parquet"))
    first_by = {
        column: dict(
            subscribers.dropna(subset=[column]).drop_duplicates(column)[[column, "id"]].values
        )
        for column in ("phone", "email")
    }
    expected = {}
    for row in rows.itertuples():
        found = (
            row.manychat_subscriber_id
            or first_by["phone"].get(row.whatsapp_phone)
            or first_by["email"].get(row.email)
        )
        if found:
            expected[row.golden_contact_id] = str(found)
    return expected


@pytest.fixture
def sandbox(later_manychat_world):
    with start_sandbox(later_manychat_world, config=SandboxConfig(rate_limits=True)) as running:
        yield running


@pytest.fixture
def settings(built_warehouse, tmp_path, sandbox):
    return delivery_settings(built_warehouse, tmp_path / "data", sandbox.url, MANYCHAT_PUSH="on")


def test_push_tags_each_subscriber_once_within_the_rate_limit_and_a_rerun_pushes_nothing(
    settings, sandbox, later_manychat_world
):
    rows = batch(settings)
    expected = expected_subscribers(later_manychat_world, rows)
    by_lookup = set(expected) - set(
        rows["golden_contact_id"][rows["manychat_subscriber_id"].notna()]
    )
    # Some have a subscriber id; those who joined ManyChat later (and any subscriber the
    # resolution did not link) are found by WhatsApp or email; the rest are skipped.
    joined_later = rows["golden_contact_id"][rows["manychat_subscriber_id"].isna()]
    assert set(joined_later.head(JOINED_MANYCHAT_LATER)) <= by_lookup
    assert len(expected) > len(by_lookup)
    assert len(expected) < len(rows)

    started = time.monotonic()
    result = push_batch(settings)
    elapsed = time.monotonic() - started

    assert tagged(sandbox) == Counter(expected.values())
    assert len(writes(sandbox, "/fb/page/createTag")) == 1
    tag_ids = {body["tag_id"] for body in writes(sandbox, "/fb/subscriber/addTag")}
    assert len(tag_ids) == 1
    # addTag allows 10 calls a second: the push kept under it (the emulator's limit is on).
    assert elapsed >= (len(expected) - 1) / 10
    log = push_log(settings)
    done = log[log["status"] == "done"]
    assert dict(zip(done["golden_contact_id"], done["subscriber_id"], strict=True)) == expected
    assert set(log["status"]) == {"done", "skipped"}
    assert (log["attempts"][log["status"] == "done"] == 1).all()
    assert result.outcomes[("tag", "done")] == len(expected)
    assert f"tagged {TAG}" in result.describe()
    info = requests.get(
        f"{sandbox.url}/manychat/fb/subscriber/getInfo",
        params={"subscriber_id": next(iter(expected.values()))},
        headers={"Authorization": f"Bearer {settings.manychat_token}"},
        timeout=5,
    ).json()
    assert TAG in [tag["name"] for tag in info["data"]["tags"]]

    again = push_batch(settings)
    assert tagged(sandbox) == Counter(expected.values())
    assert again.already == len(rows) and not again.outcomes
    assert "already pushed earlier today" in again.describe()


def test_push_sends_the_configured_flow_once_per_subscriber(built_warehouse, tmp_path, sandbox):
    settings = delivery_settings(
        built_warehouse,
        tmp_path / "data",
        sandbox.url,
        MANYCHAT_PUSH="on",
        MANYCHAT_PUSH_FLOW_NS="content20261101_000001",
        MANYCHAT_PUSH_TAG="rmk_{date}_vip",
    )
    push_batch(settings)
    push_batch(settings)
    flows = Counter(str(body["subscriber_id"]) for body in writes(sandbox, "/fb/sending/sendFlow"))
    assert flows and max(flows.values()) == 1
    assert set(flows) == set(tagged(sandbox))
    assert {body["flow_ns"] for body in writes(sandbox, "/fb/sending/sendFlow")} == {
        "content20261101_000001"
    }
    assert [body["name"] for body in writes(sandbox, "/fb/page/createTag")] == [
        f"rmk_{BATCH_DATE}_vip"
    ]


def test_a_deleted_subscriber_is_recorded_for_its_contact_and_the_rest_go(settings, sandbox):
    rows = batch(settings)
    gone = [str(value) for value in rows["manychat_subscriber_id"].dropna()[:2]]
    answer = requests.post(
        f"{sandbox.url}/_sandbox/manychat/delete-subscribers", json={"ids": gone}, timeout=5
    ).json()
    assert answer["deleted"] == gone

    result = push_batch(settings)

    log = push_log(settings).set_index("subscriber_id")
    for subscriber_id in gone:
        assert log.loc[subscriber_id, "status"] == "rejected"
        assert "Subscriber does not exist" in log.loc[subscriber_id, "error"]
    assert result.outcomes[("tag", "rejected")] == 2
    assert result.outcomes[("tag", "done")] >= JOINED_MANYCHAT_LATER
    assert not set(gone) & set(tagged(sandbox))
    push_batch(settings)  # a refused contact is not asked again the same day
    assert push_log(settings).set_index("subscriber_id").loc[gone[0], "attempts"] == 1


def test_a_429_storm_is_recorded_per_contact_and_the_next_run_finishes_the_job(
    built_warehouse, tmp_path, later_manychat_world
):
    config = SandboxConfig(seed=7, faults=FaultSpec.parse("manychat:429=0.35,burst=2"))
    with start_sandbox(later_manychat_world, config=config) as sandbox:
        settings = delivery_settings(
            built_warehouse, tmp_path / "data", sandbox.url, MANYCHAT_PUSH="on"
        )
        stormy = push_batch(settings, retry=FAST_RETRY)
        log = push_log(settings)
        failed = log[log["status"] == "failed"]
        assert len(failed) >= 1 and stormy.outcomes[("tag", "done")] >= 1
        assert failed["error"].str.contains("HTTP 429").all()
        assert "failed (retried on the next run)" in stormy.describe()

        requests.post(f"{sandbox.url}/_sandbox/faults", data="", timeout=5)
        calm = push_batch(settings, retry=FAST_RETRY)
        log = push_log(settings)
        assert set(log["status"]) <= {"done", "skipped"}
        assert max(tagged(sandbox).values()) == 1
        assert calm.outcomes[("tag", "done")] + stormy.outcomes[("tag", "done")] == len(
            tagged(sandbox)
        )


KILL_SCRIPT = """
import sys
from pathlib import Path
from crm_elt.exporters.manychat_push import push_batch
from tests.conftest import sandbox_settings
push_batch(sandbox_settings(Path(sys.argv[1]), sys.argv[2], MANYCHAT_PUSH="on"))
"""


def test_a_push_killed_halfway_then_rerun_tags_each_subscriber_exactly_once(
    settings, sandbox, later_manychat_world
):
    expected = expected_subscribers(later_manychat_world, batch(settings))
    halfway = len(expected) // 2
    process = subprocess.Popen(
        [sys.executable, "-c", KILL_SCRIPT, str(settings.data_dir), sandbox.url],
        cwd=PROJECT_ROOT,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
    )
    deadline = time.monotonic() + 120
    while len(tagged(sandbox)) < halfway and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.02)
    assert process.poll() is None, "the push ended before it could be killed"
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
    tagged_before_rerun = len(tagged(sandbox))
    assert halfway <= tagged_before_rerun < len(expected)

    push_batch(settings)

    assert tagged(sandbox) == Counter(expected.values())
    log = push_log(settings)
    assert set(log[log["status"] == "done"]["subscriber_id"]) == set(expected.values())


def test_a_call_cut_off_by_a_kill_is_settled_without_a_second_write(settings, sandbox):
    """`sending` rows, as a run killed mid-call leaves them: a tag that went through is seen
    on the subscriber and not sent again; one that did not is sent; a flow is never resent."""
    rows = batch(settings).dropna(subset=["manychat_subscriber_id"])
    went, lost = (rows.iloc[index] for index in (0, 1))
    client = make_push_client(settings)
    tag_id = client.post("/fb/page/createTag", body={"name": TAG})["data"]["tag"]["id"]
    client.post(
        "/fb/subscriber/addTag",
        body={"subscriber_id": int(went.manychat_subscriber_id), "tag_id": tag_id},
    )
    with open_warehouse(settings) as con:
        ensure_ops_schema(con)
    log = PushLog(settings, BATCH_DATE)
    for row in (went, lost):
        log.note(
            row.golden_contact_id,
            "tag",
            "sending",
            subscriber_id=str(row.manychat_subscriber_id),
            target=TAG,
        )
    flow_settings = delivery_settings(
        settings.warehouse_path,
        settings.data_dir.parent / "flow",
        sandbox.url,
        MANYCHAT_PUSH="on",
        MANYCHAT_PUSH_FLOW_NS="content_flow",
    )
    flow_log = PushLog(flow_settings, BATCH_DATE)
    flow_log.note(went.golden_contact_id, "flow", "sending", subscriber_id="x", target="flow")

    push_batch(flow_settings)

    counts = tagged(sandbox)
    assert counts[str(went.manychat_subscriber_id)] == 1  # the earlier write only
    assert counts[str(lost.manychat_subscriber_id)] == 1
    final = push_log(flow_settings).set_index(["golden_contact_id", "step"])["status"]
    assert final[(went.golden_contact_id, "tag")] == "done"
    assert final[(went.golden_contact_id, "flow")] == "unconfirmed"
    assert final[(lost.golden_contact_id, "flow")] == "done"
    flows = [str(body["subscriber_id"]) for body in writes(sandbox, "/fb/sending/sendFlow")]
    assert str(went.manychat_subscriber_id) not in flows


def test_push_is_off_against_a_real_account_until_env_turns_it_on(tmp_path):
    real = make_settings(tmp_path / "a", MANYCHAT_BASE_URL="https://api.manychat.com")
    result = push_batch(real)
    assert not result.enabled
    assert "MANYCHAT_PUSH=on" in result.describe()
    assert not real.warehouse_path.exists()  # nothing was even opened
    assert make_settings(tmp_path / "b").manychat_push_enabled  # the local emulator: on
    explicit = make_settings(
        tmp_path / "c", MANYCHAT_BASE_URL="https://api.manychat.com", MANYCHAT_PUSH="on"
    )
    assert explicit.manychat_push_enabled
