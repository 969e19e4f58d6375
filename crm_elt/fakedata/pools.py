"""Value pools: Faker (pt_BR) builds a few thousand names and places once per seed; numpy
samples from them, because Faker row by row is far too slow for a million contacts."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import numpy as np
from faker import Faker

POOL_SIZE = 3000

EMAIL_DOMAINS = np.array(
    ["gmail.com", "hotmail.com", "yahoo.com.br", "outlook.com", "uol.com.br", "bol.com.br"]
)
AREA_CODES = np.array([11, 11, 11, 21, 21, 31, 41, 47, 48, 51, 61, 62, 71, 81, 85, 91, 19, 27])
STATES_BY_AREA = {
    11: "SP",
    19: "SP",
    21: "RJ",
    27: "ES",
    31: "MG",
    41: "PR",
    47: "SC",
    48: "SC",
    51: "RS",
    61: "DF",
    62: "GO",
    71: "BA",
    81: "PE",
    85: "CE",
    91: "PA",
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

PRODUCTS = [
    # (product id, name, product line, price BRL)
    (2125801, "Curso Cuidador de Idosos em ILPI", "ilpi", 297.0),
    (2125802, "Gestão de ILPI na Prática", "ilpi", 497.0),
    (2125803, "Primeiros Socorros para Cuidadores de Idosos", "ilpi", 197.0),
    (2125804, "Nutrição para Idosos Institucionalizados", "ilpi", 247.0),
    (2125811, "Harmonização Facial Avançada", "estetica", 1497.0),
    (2125812, "Bioestimuladores de Colágeno na Prática", "estetica", 997.0),
    (2125813, "Toxina Botulínica: Protocolos Seguros", "estetica", 1297.0),
    (2125814, "Skincare Clínico para Profissionais", "estetica", 397.0),
]


@dataclass(frozen=True)
class Pools:
    first_names: np.ndarray
    last_names: np.ndarray
    cities: np.ndarray
    streets: np.ndarray


def build_pools(seed: int) -> Pools:
    fake = Faker("pt_BR")
    fake.seed_instance(seed)
    first = {fake.first_name() for _ in range(POOL_SIZE)}
    last = {fake.last_name() for _ in range(POOL_SIZE)}
    cities = {fake.city() for _ in range(400)}
    streets = {fake.street_name() for _ in range(800)}
    return Pools(
        first_names=np.array(sorted(first), dtype=object),
        last_names=np.array(sorted(last), dtype=object),
        cities=np.array(sorted(cities), dtype=object),
        streets=np.array(sorted(streets), dtype=object),
    )


def ascii_slug(text: str) -> str:
    """'João da Silva' -> 'joao.da.silva' (for emails and domains)."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return ".".join(
        part for part in "".join(char.lower() if char.isalnum() else " " for char in plain).split()
    )
