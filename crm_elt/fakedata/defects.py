"""Defects injected into otherwise clean records, each at a configurable rate, each logged.

Every transformation takes the rows chosen for it and returns new values; `DefectLog`
remembers which record got which defect so the ground truth can say so.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, fields

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from crm_elt.fakedata import text


@dataclass(frozen=True)
class DefectRates:
    duplicate: float = 0.04  # an extra record of a person already in the source
    near_duplicate_share: float = 0.6  # of duplicates, the share that is altered
    merged_share: float = 0.3  # of HubSpot contact duplicates, the share merged in HubSpot
    archived: float = 0.02
    missing_last_name: float = 0.05
    name_typo: float = 0.03
    name_accents: float = 0.05
    email_case_space: float = 0.08
    invalid_email: float = 0.02
    shared_email: float = 0.02
    missing_email: float = 0.05
    phone_reformatted: float = 0.5  # any non-E.164 shape
    phone_no_area_code: float = 0.04
    phone_missing_ninth_digit: float = 0.04
    specialty_variant: float = 0.35
    company_duplicate: float = 0.05
    deal_without_company: float = 0.08
    scientific_notation_id: float = 0.03  # ManyChat rows after an Excel round trip
    multiline_cell: float = 0.02

    @classmethod
    def names(cls) -> list[str]:
        return [field.name for field in fields(cls)]

    def validate(self) -> None:
        for name in self.names():
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"--{name.replace('_', '-')}-rate must be within 0..1: {value}")


class DefectLog:
    """Per table: which rows received which defects, as `;`-joined names at the end.

    Masks are kept as they come and joined once, for the rows that have any defect: building
    strings per defect would cost a pass over every row for each of them.
    """

    def __init__(self, size: int):
        self.size = size
        self.masks: list[tuple[str, np.ndarray]] = []

    def add(self, name: str, mask: np.ndarray) -> None:
        self.masks.append((name, np.asarray(mask, dtype=bool)))

    def absorb(self, other: DefectLog) -> None:
        """Add another log of the same rows (e.g. the phone defects of this table)."""
        self.masks.extend(other.masks)

    def take(self, index: np.ndarray) -> DefectLog:
        taken = DefectLog(len(index))
        taken.masks = [(name, mask[index]) for name, mask in self.masks]
        return taken

    def joined(self) -> pa.Array:
        """Each row's defect names joined with ';' ('' for none), in the order they were added.

        Rows are grouped by their combination of defects (a bit per defect), so only the few
        distinct combinations are joined in Python.
        """
        if not self.masks:
            return pa.array(np.full(self.size, "", dtype=object), type=pa.string())
        bits = [mask for mask in (np.asarray(mask, dtype=bool) for _, mask in self.masks)]
        if len(bits) > 62:
            raise ValueError("DefectLog holds at most 62 defects per table")
        codes = np.zeros(self.size, dtype=np.int64)
        for position, mask in enumerate(bits):
            codes |= mask.astype(np.int64) << position
        distinct, inverse = np.unique(codes, return_inverse=True)
        names = [name for name, _ in self.masks]
        labels = [
            ";".join(name for position, name in enumerate(names) if code >> position & 1)
            for code in distinct.tolist()
        ]
        return text.take(pa.array(labels, type=pa.string()), inverse)


def choose(rng: np.random.Generator, size: int, rate: float) -> np.ndarray:
    return rng.random(size) < rate


def strip_accents(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def typo(text: str, position: int) -> str:
    """Swap two neighbouring letters: 'Mariana' -> 'Mairana'."""
    if len(text) < 3:
        return text + text[-1:]
    position = 1 + position % (len(text) - 2)
    return text[:position] + text[position + 1] + text[position] + text[position + 2 :]


def messy_email(email: str, index: int) -> str:
    local, _, domain = email.partition("@")
    cased = local.title() if index % 2 else local.upper()
    return f" {cased}@{domain.capitalize()} " if index % 3 else f"{cased}@{domain}  "


def invalid_email(email: str, index: int) -> str:
    local, _, domain = email.partition("@")
    if index % 3 == 0:
        return f"{local}{domain}"  # the @ got lost
    if index % 3 == 1:
        return f"{local}@{domain.split('.')[0]}"  # no TLD
    return f"{local}@@{domain}"


PHONE_SHAPES = (
    "+55 ({ddd}) 9{a}-{b}",
    "({ddd}) 9{a}-{b}",
    "{ddd}9{a}{b}",
    "+55{ddd}9{a}{b}",
    "55 {ddd} 9{a} {b}",
    "0{ddd} 9{a}-{b}",
    "{ddd}.9{a}.{b}",
)


def format_phones(
    rng: np.random.Generator,
    area_codes: np.ndarray,
    subscriber: np.ndarray,
    rates: DefectRates,
    log: DefectLog,
) -> pa.Array:
    """Phones in every Brazilian shape; the clean shape is E.164 (+55 DDD 9XXXXXXXX)."""
    size = len(area_codes)
    digits = text.zero_padded(subscriber, 8)
    first = pc.utf8_slice_codeunits(digits, 0, 4)
    second = pc.utf8_slice_codeunits(digits, 4, 8)
    ddd = text.decimal(area_codes)
    clean = text.concat("+55", ddd, "9", first, second)
    reformatted = choose(rng, size, rates.phone_reformatted)
    no_area = choose(rng, size, rates.phone_no_area_code)
    no_ninth = choose(rng, size, rates.phone_missing_ninth_digit) & ~no_area
    shapes = rng.integers(0, len(PHONE_SHAPES), size)
    reshaped = reformatted & ~no_area & ~no_ninth
    variants = [(no_area, "9{a}-{b}"), (no_ninth, "({ddd}) {a}-{b}")] + [
        (reshaped & (shapes == number), shape) for number, shape in enumerate(PHONE_SHAPES)
    ]
    replacements = []
    for mask, template in variants:
        rows = pa.array(np.flatnonzero(mask))
        replacements.append(
            (
                np.flatnonzero(mask),
                text.render(template, ddd=ddd.take(rows), a=first.take(rows), b=second.take(rows)),
            )
        )
    log.add("phone_reformatted", reshaped)
    log.add("phone_no_area_code", no_area)
    log.add("phone_missing_ninth_digit", no_ninth)
    return text.patched(clean, replacements)
