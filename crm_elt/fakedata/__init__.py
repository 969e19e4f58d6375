"""The fake-data generator: a seeded world of patients, doctors, buyers and subscribers.

`generate(out, seed=..., contacts=..., as_of=...)` writes the layout of crm_elt/dataset.py.
The same seed and `as_of` give byte-identical files.

Ground truth in `<out>/truth/`:
- `persons.parquet`: one row per real person (person_id, true first/last name, canonical
  email, E.164 phone, city, state, acquisition channel and time, product-line interest, CPF).
- `companies.parquet`: one row per real doctor's company (company_id, name, domain,
  canonical specialty).
- `records.parquet`: one row per record of every source: source, entity, record_id (HubSpot
  id, Hotmart transaction, ManyChat subscriber id, or `file:line` for ManyChat CSV rows),
  person_id or company_id, in_source (false for HubSpot records merged away), and the
  injected defects as `;`-joined names (see DefectRates).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from crm_elt.fakedata.defects import DefectRates
from crm_elt.fakedata.outputs import write_world

__all__ = ["DefectRates", "GenerationResult", "generate"]


@dataclass(frozen=True)
class GenerationResult:
    out: Path
    counts: dict[str, int]


def generate(
    out: Path,
    *,
    seed: int,
    contacts: int,
    as_of: date,
    rates: DefectRates | None = None,
) -> GenerationResult:
    if contacts < 10:
        raise ValueError(f"--contacts must be at least 10, got {contacts}")
    rates = rates or DefectRates()
    rates.validate()
    return GenerationResult(Path(out), write_world(Path(out), seed, contacts, as_of, rates))
