"""Value pools: names, places and products, each with the weights people are drawn by.

numpy samples indices into these pools, because Faker row by row is far too slow for a
million contacts; Faker's pt_BR lists only lengthen the tail of rare names.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache

import numpy as np
import pyarrow as pa
from faker.providers.person.pt_BR import Provider as PtBrPerson

from crm_elt.fakedata import names

# Where Brazilians keep their personal email, by share of people.
EMAIL_DOMAINS = {
    "gmail.com": 0.56,
    "hotmail.com": 0.18,
    "outlook.com": 0.06,
    "yahoo.com.br": 0.06,
    "icloud.com": 0.04,
    "live.com": 0.03,
    "uol.com.br": 0.03,
    "bol.com.br": 0.03,
    "terra.com.br": 0.01,
}
# Domains as people mistype them at a checkout or a form.
EMAIL_DOMAIN_TYPOS = {
    "gmail.com": ("gmial.com", "gmai.com", "gmail.con", "gmail.com.br", "gamil.com", "gnail.com"),
    "hotmail.com": ("hotmial.com", "hotmail.com.br", "hotmai.com", "hotmal.com", "hotmail.con"),
    "outlook.com": ("outlok.com", "outlook.com.br", "outloo.com"),
    "yahoo.com.br": ("yahoo.com", "yaho.com.br", "yahoo.com.b"),
    "icloud.com": ("icloud.con", "iclod.com"),
    "live.com": ("live.con", "live.com.br"),
    "uol.com.br": ("uol.com", "uol.com.be"),
    "bol.com.br": ("bol.com", "bol.con.br"),
    "terra.com.br": ("terra.com", "tera.com.br"),
}

SPECIALTIES = {
    "Neurologia": ["Neuro", "neurologia", "Neurología", "NEUROLOGIA", "Neurologia "],
    "Psiquiatria": ["Psiq.", "psiquiatria", "Psiquiatría", "PSIQUIATRIA"],
    "Clínica Médica": ["Clinica Medica", "clínica médica", "Clínico Geral", "Clinica medica"],
    "Oncologia": ["Onco", "oncologia", "Oncología"],
    "Reumatologia": ["Reumato", "reumatologia", "Reumatología"],
    "Geriatria": ["Geriatra", "geriatria", "Geriatría"],
    "Pediatria": ["Pediatra", "pediatria", "Pediatría"],
    "Medicina da Dor": ["Dor", "medicina da dor", "Med. da Dor"],
    "Ortopedia": ["Orto", "ortopedia", "Ortopedía"],
    "Anestesiologia": ["Anestesista", "anestesiologia", "Anestesiología"],
}


@dataclass(frozen=True)
class Product:
    product_id: int
    name: str
    line: str  # "ilpi" | "estetica"
    price: float  # BRL, per month for a subscription
    popularity: float  # relative weight among the courses of its line
    subscription: bool = False
    warranty_days: int = 7


PRODUCTS = (
    Product(2125801, "Curso Cuidador de Idosos em ILPI", "ilpi", 297.0, 5),
    Product(2125802, "Gestão de ILPI na Prática", "ilpi", 497.0, 3),
    Product(2125803, "Primeiros Socorros para Cuidadores de Idosos", "ilpi", 197.0, 4),
    Product(2125804, "Nutrição para Idosos Institucionalizados", "ilpi", 247.0, 2),
    Product(2125805, "Cuidados Paliativos na ILPI", "ilpi", 347.0, 1.5),
    Product(2125806, "Legislação e Vigilância Sanitária para ILPI", "ilpi", 397.0, 1),
    Product(2125811, "Harmonização Facial Avançada", "estetica", 1497.0, 4),
    Product(2125812, "Bioestimuladores de Colágeno na Prática", "estetica", 997.0, 3),
    Product(2125813, "Toxina Botulínica: Protocolos Seguros", "estetica", 1297.0, 4),
    Product(2125814, "Skincare Clínico para Profissionais", "estetica", 397.0, 3),
    Product(2125815, "Preenchimento Labial Natural", "estetica", 797.0, 2),
    Product(
        2125816, "Marketing para Clínicas de Estética", "estetica", 297.0, 1.5, warranty_days=30
    ),
    Product(2125821, "Clube do Cuidador (assinatura mensal)", "ilpi", 49.9, 0, True),
    Product(2125822, "Comunidade Estética Pro (assinatura mensal)", "estetica", 97.0, 0, True),
)


@dataclass(frozen=True)
class Pools:
    first_names: np.ndarray  # object array of names (some compound)
    first_weights: np.ndarray  # probabilities
    first_female: np.ndarray  # bool
    surnames: np.ndarray  # with their particle when used: "da Silva"
    surname_cores: np.ndarray  # without it: "Silva"
    surname_weights: np.ndarray


@cache
def build_pools() -> Pools:
    first = [(name, gender == "F", weight) for name, gender, weight in names.FIRST_NAMES]
    known_first = {name for name, _, _ in first}
    for female, tail in (
        (True, PtBrPerson.first_names_female),
        (False, PtBrPerson.first_names_male),
    ):
        for name in sorted(set(tail) - known_first):
            first.append((name, female, names.TAIL_FIRST_NAME_WEIGHT))
            known_first.add(name)
    surnames: list[tuple[str, str, float]] = []
    known_surnames = {name for name, *_ in names.SURNAMES}
    rows = list(names.SURNAMES) + [
        (name, names.TAIL_SURNAME_WEIGHT, "", 0.0)
        for name in sorted(set(PtBrPerson.last_names) - known_surnames)
    ]
    for name, weight, particle, share in rows:
        surnames.append((name, name, weight * (1 - share)))
        if particle and share:
            surnames.append((f"{particle} {name}", name, weight * share))
    first_weights = np.array([weight for *_, weight in first])
    surname_weights = np.array([weight for *_, weight in surnames])
    return Pools(
        first_names=np.array([name for name, _, _ in first], dtype=object),
        first_weights=first_weights / first_weights.sum(),
        first_female=np.array([female for _, female, _ in first]),
        surnames=np.array([text for text, _, _ in surnames], dtype=object),
        surname_cores=np.array([core for _, core, _ in surnames], dtype=object),
        surname_weights=surname_weights / surname_weights.sum(),
    )


def ascii_slug(text: str) -> str:
    """'João da Silva' -> 'joao.da.silva' (for emails and domains)."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return ".".join(
        part for part in "".join(char.lower() if char.isalnum() else " " for char in plain).split()
    )


def slugs(values) -> pa.Array:
    """Names as email/domain slugs without dots: 'Maria Eduarda' -> 'mariaeduarda'."""
    return pa.array([ascii_slug(value).replace(".", "") for value in values], pa.string())
