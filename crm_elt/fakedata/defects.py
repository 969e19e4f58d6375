"""Defects injected into otherwise clean records, each at a configurable rate, each logged.

Every transformation takes the rows chosen for it and returns new values; `DefectLog`
remembers which record got which defect so the ground truth can say so.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, fields

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from crm_elt.fakedata import names, text
from crm_elt.fakedata.names import EMOJIS, NICKNAMES
from crm_elt.fakedata.pools import EMAIL_DOMAIN_TYPOS


@dataclass(frozen=True)
class DefectRates:
    """Every rate of the world: of records (defects) or of persons (how people are).

    Person rates say how many people have a second contact point; the `<source>_..._use`
    rates say, of the people who have one, the share of that source's records that carry it
    (`contact_points.SourceHabits`).
    """

    duplicate: float = 0.04  # an extra record of a person already in the source
    near_duplicate_share: float = 0.6  # of duplicates, the share that is altered
    merged_share: float = 0.3  # of HubSpot contact duplicates, the share merged in HubSpot
    archived: float = 0.02
    # Names, in every source.
    missing_last_name: float = 0.05  # HubSpot
    name_typo: float = 0.03  # first name misspelt
    surname_typo: float = 0.04  # last name misspelt (Souza/Sousa, swapped or doubled letter)
    name_accents: float = 0.08
    name_all_caps: float = 0.15  # Hotmart buyers typing in capitals
    name_swapped: float = 0.01  # first and last name in each other's place
    married_name: float = 0.04  # a surname added or replaced
    whatsapp_first_name_only: float = 0.3  # ManyChat: the WhatsApp profile name
    whatsapp_nickname: float = 0.08
    whatsapp_emoji: float = 0.06
    whatsapp_title: float = 0.03  # "Dra. Ana"
    # Emails.
    work_email: float = 0.12  # persons with a work email besides their personal one
    email_case_space: float = 0.08
    email_domain_typo: float = 0.03  # gmial.com, hotmail.con, hotmail.com.br
    email_gmail_variant: float = 0.12  # of gmail addresses: dots moved or a +tag
    email_trailing_dot: float = 0.01
    invalid_email: float = 0.02
    shared_email: float = 0.015  # a clinic's front-desk address (HubSpot)
    missing_email: float = 0.05  # HubSpot
    manychat_missing_email: float = 0.3  # a bot flow asks for it; many never answer
    # Phones.
    moved_area_code: float = 0.04  # persons whose mobile's DDD is from another state
    second_phone: float = 0.12  # persons with a clinic phone besides their mobile
    whatsapp_differs: float = 0.04  # persons whose WhatsApp number is not their phone
    phone_changed: float = 0.05  # persons whose number changed (older records: old one)
    family_shared: float = 0.008  # persons registered with a relative's phone or email
    manychat_missing_phone: float = 0.25  # subscribers with only their WhatsApp number
    phone_reformatted: float = 0.5  # any non-E.164 shape
    phone_no_area_code: float = 0.1
    phone_missing_ninth_digit: float = 0.04
    # Which contact point a source's records carry, of the people who have it.
    hubspot_work_email_use: float = 0.6  # the work email instead of the personal one
    hubspot_clinic_phone_use: float = 0.1  # the clinic phone in the main phone field
    hubspot_whatsapp_phone_use: float = 0.15  # the WhatsApp-only number in the main phone field
    # The WhatsApp-only number in HubSpot's second `phone` field: Brazilian lead forms ask for
    # "WhatsApp" beside "Celular", and people with two numbers give both.
    hubspot_whatsapp_second_phone_use: float = 0.7
    hubspot_family_email_use: float = (
        0.6  # the relative's email (of people registered by a relative)
    )
    hubspot_family_phone_use: float = 0.7  # the relative's phone
    hotmart_work_email_use: float = 0.3  # the work email instead of the personal one
    hotmart_clinic_phone_use: float = 0.1  # the clinic phone in the main phone field
    # Checkouts of courses delivered over WhatsApp ask for the WhatsApp number.
    hotmart_whatsapp_phone_use: float = 0.5  # the WhatsApp-only number in the main phone field
    hotmart_family_email_use: float = (
        0.5  # the relative's email (of people registered by a relative)
    )
    hotmart_family_phone_use: float = 0.6  # the relative's phone
    manychat_work_email_use: float = 0.15  # the work email instead of the personal one
    manychat_clinic_phone_use: float = 0.05  # the clinic phone in the main phone field
    manychat_whatsapp_phone_use: float = 0.5  # the WhatsApp-only number in the main phone field
    manychat_family_email_use: float = (
        0.3  # the relative's email (of people registered by a relative)
    )
    manychat_family_phone_use: float = 0.8  # the relative's phone
    # Companies, deals, exports.
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

    def absorb(self, other: DefectLog, prefix: str = "") -> None:
        """Add another log of the same rows (e.g. the phone defects of this table), its
        defect names prefixed (e.g. 'second_' for a second phone field)."""
        self.masks.extend((prefix + name, mask) for name, mask in other.masks)

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


def without_accents(values: pa.Array, mask: np.ndarray) -> pa.Array:
    """`strip_accents` of the chosen rows, in Arrow: names are Latin letters, whose accents
    NFKD splits off as combining marks."""
    rows = np.flatnonzero(mask)
    chosen = values.take(pa.array(rows))
    plain = pc.replace_substring_regex(pc.utf8_normalize(chosen, "NFKD"), r"\p{Mn}", "")
    return text.patched(values, [(rows, plain)])


def typo(text: str, position: int) -> str:
    """A slip of the keyboard that always changes the text: two neighbouring letters swapped
    ('Mariana' -> 'Mairana'), else a letter doubled ('Ana' -> 'Anna')."""
    if len(text) >= 3:
        start = 1 + position % (len(text) - 2)
        for offset in range(len(text) - 2):
            at = 1 + (start - 1 + offset) % (len(text) - 2)
            if text[at] != text[at + 1] and text[at].isalpha() and text[at + 1].isalpha():
                return text[:at] + text[at + 1] + text[at] + text[at + 2 :]
    at = position % max(1, len(text))
    return text[: at + 1] + text[at : at + 1] + text[at + 1 :] if text else "?"


_VARIANTS = {
    word: other
    for left, right in names.SPELLING_VARIANTS
    for word, other in ((left, right), (right, left))
}


def misspelt(text: str, position: int) -> str:
    """A real-world misspelling: a known variant of one of its words (Souza -> Sousa), else
    a typo."""
    words = text.split(" ")
    for index, word in enumerate(words):
        if word in _VARIANTS:
            return " ".join([*words[:index], _VARIANTS[word], *words[index + 1 :]])
    return typo(text, position)


_PARTICLES = {"da", "de", "do", "das", "dos", "e"}


def married(last_name: str, new_surname: str) -> str:
    """A married name: a second surname replaced by the spouse's ('Oliveira da Silva' ->
    'Oliveira Pereira'), or the spouse's added to a single one ('Santos' -> 'Santos Lima')."""
    words = last_name.split(" ")
    surnames = [index for index, word in enumerate(words) if word not in _PARTICLES]
    if new_surname in words:
        new_surname = f"{new_surname}s" if not new_surname.endswith("s") else f"{new_surname}a"
    if len(surnames) >= 2:
        cut = surnames[-1]
        while cut > 0 and words[cut - 1] in _PARTICLES:
            cut -= 1
        return " ".join([*words[:cut], new_surname])
    return f"{last_name} {new_surname}"


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


def domain_typo(email: str, index: int) -> str:
    """'ana@gmail.com' -> 'ana@gmial.com' (or gmail.con, gmail.com.br...)."""
    local, _, domain = email.partition("@")
    typos = EMAIL_DOMAIN_TYPOS.get(domain)
    if typos:
        return f"{local}@{typos[index % len(typos)]}"
    # A clinic's own domain: the '.br' forgotten, or added where there was none.
    return f"{local}@{domain.removesuffix('.br') if domain.endswith('.com.br') else domain + '.br'}"


def gmail_variant(email: str, index: int) -> str:
    """The same Gmail inbox written otherwise: dots dropped or added, or a +tag."""
    local, _, domain = email.partition("@")
    if index % 3 == 0 and "." in local:
        return f"{local.replace('.', '')}@{domain}"
    if index % 3 == 1:
        at = 1 + index % max(1, len(local) - 1)
        if local[at - 1] != "." and local[at : at + 1] not in (".", ""):
            return f"{local[:at]}.{local[at:]}@{domain}"
    tags = ("hotmart", "cursos", "compras", "promo", "news")
    return f"{local}+{tags[index % len(tags)]}@{domain}"


def trailing_dot(email: str, _: int) -> str:
    return f"{email}."


def changed_where(old: pa.Array, new: pa.Array) -> np.ndarray:
    """Rows whose value a defect really changed (so the truth never claims a no-op)."""
    return pc.fill_null(pc.not_equal(old, new), False).to_numpy(zero_copy_only=False)


# Phone shapes: {n} is the ninth digit of a mobile ('9'), empty for a landline.
PHONE_SHAPES = (
    "+55 ({ddd}) {n}{a}-{b}",
    "({ddd}) {n}{a}-{b}",
    "{ddd}{n}{a}{b}",
    "+55 {ddd} {n}{a}-{b}",
    "55 {ddd} {n}{a} {b}",
    "0{ddd} {n}{a}-{b}",
    "{ddd}.{n}{a}.{b}",
)
MOBILE_FLOOR = 10**10  # national numbers of mobiles have 11 digits, landlines 10


def e164(national: np.ndarray) -> pa.Array:
    """'+55' and the national number (DDD and subscriber); null where there is none (0)."""
    national = np.asarray(national, dtype=np.int64)
    return text.null_where(text.concat("+55", text.decimal(national)), national <= 0)


def format_phones(
    rng: np.random.Generator, national: np.ndarray, rates: DefectRates, log: DefectLog
) -> pa.Array:
    """Phones in every Brazilian shape (null where `national` is 0); the clean shape is E.164.

    `national` is DDD and subscriber number as one integer: 11 digits for a mobile
    (DDD 9XXXXXXXX), 10 for a landline (DDD XXXXXXXX).
    """
    national = np.asarray(national, dtype=np.int64)
    size = len(national)
    present = national > 0
    mobile = national >= MOBILE_FLOOR
    area = np.where(mobile, national // 10**9, national // 10**8)
    digits = text.zero_padded(national % 10**8, 8)
    first = pc.utf8_slice_codeunits(digits, 0, 4)
    second = pc.utf8_slice_codeunits(digits, 4, 8)
    ddd = text.decimal(area)
    ninth = pick_strings(("", "9"), mobile.astype(np.int64))
    reformatted = choose(rng, size, rates.phone_reformatted) & present
    no_area = choose(rng, size, rates.phone_no_area_code) & present
    no_ninth = choose(rng, size, rates.phone_missing_ninth_digit) & ~no_area & mobile
    shapes = rng.integers(0, len(PHONE_SHAPES), size)
    reshaped = reformatted & ~no_area & ~no_ninth
    variants = [(no_area, "{n}{a}-{b}"), (no_ninth, "({ddd}) {a}-{b}")] + [
        (reshaped & (shapes == number), shape) for number, shape in enumerate(PHONE_SHAPES)
    ]
    replacements = []
    for mask, template in variants:
        rows = pa.array(np.flatnonzero(mask))
        replacements.append(
            (
                np.flatnonzero(mask),
                text.render(
                    template,
                    ddd=ddd.take(rows),
                    n=ninth.take(rows),
                    a=first.take(rows),
                    b=second.take(rows),
                ),
            )
        )
    log.add("phone_reformatted", reshaped)
    log.add("phone_no_area_code", no_area)
    log.add("phone_missing_ninth_digit", no_ninth)
    return text.null_where(text.patched(e164(national), replacements), ~present)


def pick_strings(choices, index: np.ndarray) -> pa.Array:
    return text.take(pa.array(list(choices), type=pa.string()), index)


def _maybe(rng: np.random.Generator, mask: np.ndarray, share: float) -> np.ndarray:
    """Rows of `mask` chosen at `share`."""
    return mask & (rng.random(len(mask)) < share)


def _mapped_logged(log: DefectLog, name: str, values: pa.Array, mask: np.ndarray, function):
    """`text.mapped`, logging only the rows it really changed."""
    new = text.mapped(values, mask, function)
    log.add(name, mask & changed_where(values, new))
    return new


def name_defects(
    rng: np.random.Generator,
    pools,
    first: pa.Array,
    last: pa.Array,
    rates: DefectRates,
    log: DefectLog,
    near: np.ndarray | None = None,
) -> tuple[pa.Array, pa.Array]:
    """A record's first and last name as a clerk, a checkout or a profile spelt them.

    `near` marks near-duplicate records, which get more of them.
    """
    size = len(first)
    near = np.zeros(size, dtype=bool) if near is None else near
    accents = choose(rng, size, rates.name_accents) | _maybe(rng, near, 0.3)
    new_first = without_accents(first, accents)
    new_last = without_accents(last, accents)
    log.add(
        "name_accents",
        accents & (changed_where(first, new_first) | changed_where(last, new_last)),
    )
    first, last = new_first, new_last
    first = _mapped_logged(
        log, "name_typo", first, choose(rng, size, rates.name_typo) | _maybe(rng, near, 0.3), typo
    )
    last = _mapped_logged(
        log, "surname_typo", last, choose(rng, size, rates.surname_typo), misspelt
    )
    spouse = rng.choice(len(pools.surname_cores), size, p=pools.surname_weights)
    last = _mapped_logged(
        log,
        "married_name",
        last,
        choose(rng, size, rates.married_name),
        lambda value, row: married(value, pools.surname_cores[spouse[row]]),
    )
    swapped = choose(rng, size, rates.name_swapped) & np.asarray(last.is_valid())
    mask = pa.array(swapped)
    first, last = pc.if_else(mask, last, first), pc.if_else(mask, first, last)
    log.add("name_swapped", swapped)
    return first, last


def email_defects(
    rng: np.random.Generator,
    identity: pa.Array,
    eligible: np.ndarray,
    rates: DefectRates,
    log: DefectLog,
    near: np.ndarray | None = None,
) -> pa.Array:
    """Emails as people type them: each eligible row gets at most one spelling defect (a
    Gmail variant, a domain typo, a trailing dot, or an invalid address), then maybe case
    and spaces."""
    size = len(identity)
    near = np.zeros(size, dtype=bool) if near is None else near
    eligible = eligible & np.asarray(identity.is_valid())
    gmail = pc.fill_null(pc.ends_with(identity, "@gmail.com"), False).to_numpy(zero_copy_only=False)
    spelling = rng.random(size)
    gmail_variant_rows = eligible & gmail & (spelling < rates.email_gmail_variant)
    rest = eligible & ~gmail_variant_rows
    roll = rng.random(size)
    domain_rows = rest & (roll < rates.email_domain_typo)
    dot_rows = rest & ~domain_rows & (roll < rates.email_domain_typo + rates.email_trailing_dot)
    invalid_rows = (
        rest
        & ~domain_rows
        & ~dot_rows
        & (roll < rates.email_domain_typo + rates.email_trailing_dot + rates.invalid_email)
    )
    email = identity
    for name, rows, function in (
        ("email_gmail_variant", gmail_variant_rows, gmail_variant),
        ("email_domain_typo", domain_rows, domain_typo),
        ("email_trailing_dot", dot_rows, trailing_dot),
        ("invalid_email", invalid_rows, invalid_email),
    ):
        email = _mapped_logged(log, name, email, rows, function)
    messy = (
        eligible
        & ~invalid_rows
        & (choose(rng, size, rates.email_case_space) | _maybe(rng, near, 0.5))
    )
    return _mapped_logged(log, "email_case_space", email, messy, messy_email)


def whatsapp_profile_names(
    rng: np.random.Generator,
    first: pa.Array,
    last: pa.Array,
    female: np.ndarray,
    rates: DefectRates,
    log: DefectLog,
) -> pa.Array:
    """Names as people set them on WhatsApp: often the first name only, a nickname, a
    title ('Dra. Ana'), an emoji."""
    size = len(first)
    full = pc.utf8_trim_whitespace(text.concat(first, " ", pc.fill_null(last, "")))
    first_only = choose(rng, size, rates.whatsapp_first_name_only) & np.asarray(last.is_valid())
    profile = pc.if_else(pa.array(first_only), first, full)
    log.add("whatsapp_first_name_only", first_only)

    firsts = first.to_numpy(zero_copy_only=False)
    known = {name for name in pd.unique(firsts) if nickname_of(name) is not None}
    has_nickname = pd.Series(firsts).isin(known).to_numpy()
    nickname = choose(rng, size, rates.whatsapp_nickname) & has_nickname
    pick_index = rng.integers(0, 2, size)
    rows = np.flatnonzero(nickname)
    profile = text.patched(
        profile,
        [
            (
                rows,
                pa.array(
                    [_pick_nickname(firsts[row], pick_index[row]) for row in rows.tolist()],
                    pa.string(),
                ),
            )
        ],
    )
    log.add("whatsapp_nickname", nickname)

    title = choose(rng, size, rates.whatsapp_title) & ~nickname
    rows = np.flatnonzero(title)
    profile = text.patched(
        profile,
        [
            (
                rows,
                text.concat(
                    pick_strings(("Dr. ", "Dra. "), female[rows].astype(np.int64)),
                    text.take(first, rows),
                ),
            )
        ],
    )
    log.add("whatsapp_title", title)

    emoji = choose(rng, size, rates.whatsapp_emoji)
    rows = np.flatnonzero(emoji)
    profile = text.patched(
        profile,
        [
            (
                rows,
                text.concat(
                    text.take(profile, rows),
                    " ",
                    pick_strings(EMOJIS, rng.integers(0, len(EMOJIS), len(rows))),
                ),
            )
        ],
    )
    log.add("whatsapp_emoji", emoji)
    return profile


def nickname_of(first_name: str) -> tuple[str, ...] | None:
    """The nicknames of a first name, by the whole (compound) name or its first word."""
    return NICKNAMES.get(first_name) or NICKNAMES.get(first_name.split(" ")[0])


def _pick_nickname(first_name: str, index: int) -> str:
    choices = nickname_of(first_name)
    return choices[index % len(choices)]
