"""Brazilian nicknames (apelidos) and the first names they stand for, as name keys.

Only those that share no first two letters with the name (`Dudu` for Eduardo, `Bia` for
Beatriz): a nickname that begins like its name (`Gabi`, `Rafa`, `Mariazinha`) is already
recognized as related by `links.clearly_different_names`.
"""

from __future__ import annotations

from rapidfuzz.distance import OSA

_NAMES_BY_NICKNAME = {
    "bia": ("beatriz",),
    "biel": ("gabriel",),
    "bel": ("isabel", "isabela", "isabella", "isadora"),
    "bela": ("isabel", "isabela", "isabella"),
    "belinha": ("isabel", "isabela", "isabella"),
    "beto": ("roberto", "alberto", "humberto", "gilberto", "norberto"),
    "betinho": ("roberto", "alberto", "humberto", "gilberto"),
    "bete": ("elisabete", "elizabete", "elizabeth"),
    "betty": ("elisabete", "elizabete", "elizabeth"),
    "carminha": ("carmo", "carmem", "maria carmo"),
    "celo": ("marcelo",),
    "cacau": ("claudia", "carla", "camila"),
    "chico": ("francisco",),
    "chica": ("francisca",),
    "chiquinha": ("francisca",),
    "chiquinho": ("francisco",),
    "cida": ("aparecida",),
    "cidinha": ("aparecida",),
    "dani": ("daniela", "daniele", "danielle", "daniel"),
    "dede": ("andre", "andreia", "adelaide"),
    "dinho": ("ricardo", "claudio", "bernardo"),
    "digao": ("rodrigo",),
    "dito": ("benedito",),
    "dri": ("adriana",),
    "dudu": ("eduardo",),
    "dudinha": ("eduarda", "maria eduarda"),
    "duda": ("eduarda", "maria eduarda"),
    "fafa": ("fabiana", "fatima", "rafaela"),
    "fe": ("fernanda", "felipe"),
    "fefe": ("fernanda",),
    "guto": ("augusto", "gustavo"),
    "gugu": ("gustavo", "augusto"),
    "juca": ("jose",),
    "ju": ("julia", "juliana", "jussara"),
    "juju": ("julia", "juliana"),
    "kaka": ("ricardo", "carla", "caroline"),
    "lala": ("larissa", "laura"),
    "lele": ("leticia", "alessandra", "helena"),
    "leco": ("alexandre",),
    "lipe": ("felipe", "filipe"),
    "lu": ("luciana", "luana", "lucia", "luiza", "luisa", "lucas"),
    "lulu": ("luciana", "luiza", "luisa", "lucia"),
    "mundinho": ("raimundo",),
    "mundico": ("raimundo",),
    "mandinha": ("amanda",),
    "mane": ("manoel", "manuel"),
    "malu": ("maria luiza", "maria luisa", "maria lucia"),
    "mari": ("mariana", "marina", "maria"),
    "mila": ("camila",),
    "mel": ("melissa", "amelia"),
    "naná": ("ana", "mariana"),
    "nana": ("ana", "mariana", "adriana"),
    "nessa": ("vanessa",),
    "nanda": ("fernanda",),
    "nando": ("fernando",),
    "neto": ("ernesto",),
    "nina": ("marina", "carolina", "catarina"),
    "paulinha": ("paula", "ana paula"),
    "paulinho": ("paulo",),
    "pri": ("priscila", "priscilla"),
    "quel": ("raquel",),
    "quinho": ("joaquim",),
    "rafa": ("rafael", "rafaela"),
    "rê": ("renata", "regina"),
    "re": ("renata", "regina", "rebeca"),
    "rosinha": ("rosa", "rosangela", "rosana"),
    "sandrinha": ("sandra",),
    "tati": ("tatiana", "tatiane"),
    "tata": ("tatiana", "tatiane", "talita", "thais"),
    "tonho": ("antonio",),
    "tico": ("antonio",),
    "teteu": ("mateus", "matheus"),
    "tiao": ("sebastiao",),
    "tina": ("cristina", "albertina", "valentina"),
    "toni": ("antonio",),
    "toninho": ("antonio",),
    "toninha": ("antonia",),
    "vavá": ("valdemar", "vanessa"),
    "vava": ("valdemar", "vanessa"),
    "vivi": ("viviane", "vitoria", "vivian"),
    "xande": ("alexandre",),
    "zé": ("jose",),
    "ze": ("jose",),
    "zezinho": ("jose",),
    "zeca": ("jose",),
    "zeze": ("jose",),  # Maria José, too: the nickname of a second first name
    "pedrinho": ("pedro",),
    "jp": ("joao pedro",),
    "jv": ("joao vitor", "joao victor"),
    "nenem": (),
}
# Each nickname's names as name keys compare them: a compound name by its first word and
# written together ("maria eduarda": maria, mariaeduarda).
_NAMES_OF = {
    nickname: frozenset(
        form for name in names for form in (name.split(" ")[0], name.replace(" ", ""))
    )
    for nickname, names in _NAMES_BY_NICKNAME.items()
}
# A misspelt name still takes its nickname (Farncisco: Chico), when it is long enough for one
# edit not to make it another name.
_TYPO_TOLERANT_LENGTH = 5


def is_nickname_of(first: str, other_first: str) -> bool:
    """Either first name is a nickname of the other, the name allowing one typo."""
    return _stands_for(first, other_first) or _stands_for(other_first, first)


def _stands_for(nickname: str, name: str) -> bool:
    names = _NAMES_OF.get(nickname)
    if not names:
        return False
    return name in names or (
        len(name) >= _TYPO_TOLERANT_LENGTH and any(OSA.distance(name, each) <= 1 for each in names)
    )
