"""Person names: a key to compare on, and first and last names split from a full name.

The display form is kept by the caller as recorded; the key is accent-folded, lower-case,
without titles (Dr., Dra.), particles (da, de, dos), emoji or punctuation, so that
"Dra. MARIA DAS GRAÇAS Souza 🌸" and "maria gracas souza" compare equal.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from crm_elt.normalize.arrow import as_array

TITLES = ("dr", "dra", "sr", "sra", "srta", "prof", "profa", "enf", "enfa", "pe")
PARTICLES = ("da", "das", "de", "do", "dos", "e", "d")
NAME_PARTS_TYPE = pa.struct([("first_name", pa.string()), ("last_name", pa.string())])


def name_keys(names: pa.Array) -> pa.Array:
    """The matching key of each name; null where nothing of a name is left."""
    text = pc.utf8_normalize(pc.cast(names, pa.string()), "NFKD")
    text = pc.replace_substring_regex(text, r"\p{Mn}+", "")  # the accents NFKD split off
    text = pc.utf8_lower(text)
    text = pc.replace_substring_regex(text, r"[^a-z\s]+", " ")  # emoji, digits, punctuation
    words = "|".join(TITLES + PARTICLES)
    for _ in range(2):  # adjacent words share the space between them: a second pass
        text = pc.replace_substring_regex(text, rf"(^|\s)({words})(\s|$)", " ")
    return _null_if_empty(pc.utf8_trim_whitespace(pc.replace_substring_regex(text, r"\s+", " ")))


def split_full_names(names: pa.Array) -> pa.StructArray:
    """First word and the rest of a full name, as recorded (titles and emoji dropped)."""
    text = pc.utf8_trim_whitespace(pc.cast(names, pa.string()))
    titles = "|".join(TITLES)
    text = pc.replace_substring_regex(text, rf"(?i)^({titles})\.?\s+", "")
    text = pc.replace_substring_regex(text, r"[^\p{L}\s'.-]+", " ")
    text = pc.utf8_trim_whitespace(pc.replace_substring_regex(text, r"\s+", " "))
    parts = pc.extract_regex(text, r"^(?P<first_name>\S+)(?:\s(?P<last_name>.+))?$")
    first = pc.struct_field(parts, "first_name")
    last = pc.struct_field(parts, "last_name")
    return pa.StructArray.from_arrays(
        [as_array(_null_if_empty(first)), as_array(_null_if_empty(last))],
        fields=list(NAME_PARTS_TYPE),
    )


def _null_if_empty(values) -> pa.Array:
    return pc.if_else(pc.equal(values, ""), None, values)
