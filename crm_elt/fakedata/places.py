"""Where people live: real Brazilian municipalities (crm_elt.normalize.brazil, with their
state, DDD and population) drawn by population, so capitals dominate, and the real DDDs of
every state. Their phones carry their city's DDD unless they moved from another state.
"""

from __future__ import annotations

import numpy as np

from crm_elt.normalize.brazil import MUNICIPALITIES

# The area codes of each state (Anatel). GO includes 61: the cities around Brasília.
AREA_CODES_BY_STATE = {
    "SP": (11, 12, 13, 14, 15, 16, 17, 18, 19),
    "RJ": (21, 22, 24),
    "ES": (27, 28),
    "MG": (31, 32, 33, 34, 35, 37, 38),
    "PR": (41, 42, 43, 44, 45, 46),
    "SC": (47, 48, 49),
    "RS": (51, 53, 54, 55),
    "DF": (61,),
    "GO": (61, 62, 64),
    "TO": (63,),
    "MT": (65, 66),
    "MS": (67,),
    "AC": (68,),
    "RO": (69,),
    "BA": (71, 73, 74, 75, 77),
    "SE": (79,),
    "PE": (81, 87),
    "AL": (82,),
    "PB": (83,),
    "RN": (84,),
    "CE": (85, 88),
    "PI": (86, 89),
    "MA": (98, 99),
    "PA": (91, 93, 94),
    "AP": (96,),
    "AM": (92, 97),
    "RR": (95,),
}


CITY_NAMES = np.array([city.name for city in MUNICIPALITIES], dtype=object)
CITY_STATES = np.array([city.state for city in MUNICIPALITIES], dtype=object)
CITY_AREA_CODES = np.array([city.area_code for city in MUNICIPALITIES], dtype=np.int64)
CITY_POPULATION = np.array([city.population for city in MUNICIPALITIES], dtype=np.float64)
CITY_WEIGHTS = CITY_POPULATION / CITY_POPULATION.sum()
STATES = tuple(AREA_CODES_BY_STATE)
