"""Defects injected into otherwise clean records, each at a configurable rate, each logged.

Every transformation takes the rows chosen for it and returns new values; `DefectLog`
remembers which record got which defect so the ground truth can say so.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, fields

import numpy as np


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

    def joined(self) -> np.ndarray:
        labels = np.full(self.size, "", dtype=object)
        if not self.masks:
            return labels
        names = np.array([name for name, _ in self.masks], dtype=object)
        stacked = np.vstack([mask for _, mask in self.masks])
        for row in np.flatnonzero(stacked.any(axis=0)):
            labels[row] = ";".join(names[stacked[:, row]])
        return labels


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


def apply_each(values: np.ndarray, mask: np.ndarray, function) -> np.ndarray:
    out = values.copy()
    for index in np.flatnonzero(mask):
        if out[index] is not None:
            out[index] = function(out[index], index)
    return out


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
) -> np.ndarray:
    """Phones in every Brazilian shape; the clean shape is E.164 (+55 DDD 9XXXXXXXX)."""
    size = len(area_codes)
    digits = np.char.zfill(subscriber.astype(str), 8)
    first = np.array([value[:4] for value in digits], dtype=object)
    second = np.array([value[4:] for value in digits], dtype=object)
    ddd = area_codes.astype(str).astype(object)
    clean = "+55" + ddd + "9" + first + second
    reformatted = choose(rng, size, rates.phone_reformatted)
    no_area = choose(rng, size, rates.phone_no_area_code)
    no_ninth = choose(rng, size, rates.phone_missing_ninth_digit) & ~no_area
    shapes = rng.integers(0, len(PHONE_SHAPES), size)
    phones = clean.copy()
    for index in np.flatnonzero(reformatted | no_area | no_ninth):
        if no_area[index]:
            phones[index] = f"9{first[index]}-{second[index]}"
        elif no_ninth[index]:
            phones[index] = f"({ddd[index]}) {first[index]}-{second[index]}"
        else:
            phones[index] = PHONE_SHAPES[shapes[index]].format(
                ddd=ddd[index], a=first[index], b=second[index]
            )
    log.add("phone_reformatted", reformatted & ~no_area & ~no_ninth)
    log.add("phone_no_area_code", no_area)
    log.add("phone_missing_ninth_digit", no_ninth)
    return phones
