"""What `make run` shows on the terminal: one shortened line per step of our own logs."""

from __future__ import annotations

from pathlib import Path

import pytest

from crm_elt.dbt_runner import NodeResult, describe_statuses
from crm_elt.progress import Progress
from crm_elt.runner import RunLog, RunSummary, format_summary, step_line


@pytest.mark.parametrize(
    ("line", "shown"),
    [
        (
            "2026-12-03 09:42:46,317 INFO crm_elt.sources: hubspot.contacts success: 10 pages\n",
            "09:42:46 hubspot.contacts success: 10 pages",
        ),
        (
            "2026-12-03 09:42:56,263 WARNING crm_elt.sources.csv_files: a.csv line 3: bad",
            "09:42:56 warning: a.csv line 3: bad",
        ),
        ("INFO:mage_ai.data_preparation.executors.pipeline_executor:[PipelineExecutor] x", None),
        ("WARNING:traitlets:Message signing is disabled.", None),
        ("[0m09:43:24  Running with dbt=1.10.23", None),
        ("2026-12-03 09:42:46,317 INFO other.logger: not ours", None),
    ],
)
def test_step_line_shortens_our_lines_and_hides_the_rest(line, shown):
    assert step_line(line) == shown


def test_run_log_keeps_every_line_and_prints_only_steps(tmp_path: Path, capsys):
    log = RunLog(tmp_path / "logs" / "run.log")
    log.child_line("WARNING:traitlets:Message signing is disabled.\n")
    log.child_line("2026-12-03 09:42:46,317 INFO crm_elt.extract: hubspot: 3 records")
    log.step("Mage pipeline crm_elt_daily")
    log.close()
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == "09:42:46 hubspot: 3 records"
    assert printed[1].endswith(" Mage pipeline crm_elt_daily")
    assert len(printed) == 2
    kept = (tmp_path / "logs" / "run.log").read_text().splitlines()
    assert kept[0] == "WARNING:traitlets:Message signing is disabled."
    assert len(kept) == 3


def test_describe_statuses_counts_nodes_by_kind_and_outcome():
    nodes = [
        NodeResult("m1", "model", "success", 0.1, ""),
        NodeResult("t1", "test", "pass", 0.1, ""),
        NodeResult("t2", "test", "pass", 0.1, ""),
        NodeResult("t3", "NodeType.Test", "warn", 0.1, ""),
    ]
    assert describe_statuses(nodes) == "1 model ok, 2 tests passed, 1 test warned"
    assert describe_statuses([]) == "done"


def test_format_summary_groups_tables_by_schema():
    summary = RunSummary(
        12.34,
        [
            ("marts.fct_a", 5),
            ("raw_hubspot.contacts", 1200),
            ("raw_hubspot.deals", 30),
            ("raw_marketing.spend", 96),
        ],
        Path("/w/warehouse.duckdb"),
        Path("/w/logs/run.log"),
    )
    lines = format_summary(summary).splitlines()
    assert "  marts          5 rows in 1 table" in lines
    assert "  raw_hubspot    1,230 rows in 2 tables" in lines
    assert "Full log: /w/logs/run.log" in lines
    assert lines[-1] == "Done in 12.3 s."


def test_format_summary_tells_the_story_before_the_log():
    story = ("What this run found (03/12/2026):", "Next:")
    summary = RunSummary(
        1.0,
        [("marts.fct_a", 5)],
        Path("/w/warehouse.duckdb"),
        Path("/w/run.log"),
        None,
        ("remarketing export: 50 contacts",),
        story,
    )
    lines = format_summary(summary).splitlines()
    assert lines[lines.index(story[0]) : lines.index(story[0]) + 2] == list(story)
    assert lines.index("Next:") < lines.index("Full log: /w/run.log")
    assert "Remarketing export: 50 contacts" not in lines  # the story tells the delivery


def test_progress_closes_only_a_series_it_began(caplog, monkeypatch):
    clock = iter([0.0, 1.0, 2.0, 8.0, 9.0])
    monkeypatch.setattr("crm_elt.progress.time.monotonic", lambda: next(clock))
    caplog.set_level("INFO", logger="crm_elt.progress")
    short = Progress("short", every_s=5)  # t=0
    short.update(10, force=True)  # t=1: nothing said midway, so no closing line
    long = Progress("long", every_s=5)  # t=2
    long.update(50)  # t=8: a periodic line
    long.update(60, force=True)  # t=9: closes the series
    messages = [record.getMessage() for record in caplog.records]
    assert [message.split(":")[0] for message in messages] == ["long", "long"]
