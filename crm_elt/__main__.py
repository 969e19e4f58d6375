"""Command line: `python -m crm_elt COMMAND`, one of run, extract, build, render-triggers,
summary, why, evaluate, quality.

Every known failure ends as one `error: ...` line on stderr and a non-zero exit; the
full traceback is shown only with `--debug`.
"""

from __future__ import annotations

import argparse
import logging
import sys

from crm_elt.logs import configure_logging, redact
from crm_elt.settings import SettingsError, load_settings

SOURCES = ("hubspot", "hotmart", "manychat", "spend")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crm_elt", description=__doc__)
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser(
        "run", help="end to end: fake data, emulators, Mage pipeline, summary (make run)"
    )
    run.add_argument("--seed", type=int, default=None)
    run.add_argument("--contacts", type=int, default=None)

    extract = commands.add_parser("extract", help="extract one source (or all) into raw tables")
    extract.add_argument("--source", choices=(*SOURCES, "all"), required=True)

    commands.add_parser("build", help="dbt source freshness + dbt build")
    commands.add_parser("render-triggers", help="write the Mage schedule from SCHEDULE_TIME")
    commands.add_parser("summary", help="rows per table in this environment's warehouse")
    why = commands.add_parser("why", help="why records are one person: cluster, records, links")
    why.add_argument("query", help="an email, a phone, a golden contact id or a source record id")
    commands.add_parser(
        "evaluate", help="identity resolution scored against the generated world's ground truth"
    )
    commands.add_parser("quality", help="the latest data-quality report, one line per check")

    args = parser.parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.secret_values())
    try:
        return _dispatch(args, settings)
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if args.debug:
            logging.getLogger("crm_elt").exception("failed")
        message = redact(str(exc)).strip().splitlines()
        print(f"error: {message[0] if message else type(exc).__name__}", file=sys.stderr)
        return 1


def _dispatch(args: argparse.Namespace, settings) -> int:
    if args.command == "run":
        from crm_elt import runner

        summary = runner.run_end_to_end(
            settings,
            seed=args.seed if args.seed is not None else runner.DEMO_SEED,
            contacts=args.contacts if args.contacts is not None else runner.DEMO_CONTACTS,
        )
        print(runner.format_summary(summary))
    elif args.command == "extract":
        from crm_elt.extract import result_frame, run_extraction

        for source in SOURCES if args.source == "all" else (args.source,):
            print(result_frame(run_extraction(source, settings)).to_string(index=False))
    elif args.command == "build":
        from crm_elt.dbt_runner import build

        frame = build(settings)
        print(frame["status"].value_counts().to_string())
    elif args.command == "render-triggers":
        from crm_elt.mage_triggers import write_triggers

        print(f"schedule {settings.schedule_time} UTC -> {write_triggers(settings)}")
    elif args.command == "summary":
        from crm_elt.runner import RunSummary, format_table_counts
        from crm_elt.warehouse import open_warehouse, table_row_counts

        with open_warehouse(settings, read_only=True) as con:
            counts = table_row_counts(con)
        print(format_table_counts(RunSummary(0.0, counts, settings.warehouse_path)))
    elif args.command == "why":
        from crm_elt.identity.why import explain, find_golden_ids
        from crm_elt.warehouse import open_warehouse

        with open_warehouse(settings, read_only=True) as con:
            golden_ids = find_golden_ids(con, args.query)
            if not golden_ids:
                print(f"no golden contact matches {args.query!r}", file=sys.stderr)
                return 1
            print("\n\n".join(explain(con, golden_id) for golden_id in golden_ids))
    elif args.command == "evaluate":
        from crm_elt.identity.evaluate import evaluate_warehouse, format_score

        score = evaluate_warehouse(settings.warehouse_path, settings.data_dir / "truth")
        print(format_score(score))
    elif args.command == "quality":
        from crm_elt.quality import quality_summary
        from crm_elt.warehouse import open_warehouse

        with open_warehouse(settings, read_only=True) as con:
            print("\n".join(quality_summary(con)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
