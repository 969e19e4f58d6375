"""Email addresses: canonical form, validity, domain typos repaired, a key to match on.

Validity is email-validator's (syntax only, no DNS). Asking it costs tens of µs an address,
so addresses of the plain shape nearly all records have (`_PLAIN`, which the tests prove it
accepts) are passed without asking; only the rest, usually a few percent, go to it.
"""

from __future__ import annotations

import email_validator
import pyarrow as pa
import pyarrow.compute as pc

from crm_elt.normalize.arrow import as_array

# Misspelt domains seen in Brazilian sign-up forms, and what was meant.
DOMAIN_TYPOS = {
    "gmial.com": "gmail.com",
    "gmai.com": "gmail.com",
    "gamil.com": "gmail.com",
    "gnail.com": "gmail.com",
    "gmail.co": "gmail.com",
    "gmail.con": "gmail.com",
    "gmail.com.br": "gmail.com",
    "hotmial.com": "hotmail.com",
    "hotmal.com": "hotmail.com",
    "hotmai.com": "hotmail.com",
    "hotmail.con": "hotmail.com",
    "hotmail.co": "hotmail.com",
    "homail.com": "hotmail.com",
    "outlok.com": "outlook.com",
    "outlook.con": "outlook.com",
    "yahoo.com.bt": "yahoo.com.br",
    "yaho.com.br": "yahoo.com.br",
    "yahoo.con.br": "yahoo.com.br",
    "uol.com.bt": "uol.com.br",
    "bol.com.bt": "bol.com.br",
}
# Any other domain ending in ".con" meant ".com".
_CON_ENDING = r"\.con$"
# Providers that ignore dots in the local part.
DOTLESS_DOMAINS = ("gmail.com", "googlemail.com")
# Mailboxes of a place or a function, not of a person: shared, never a link on their own.
ROLE_LOCAL_PARTS = (
    "adm",
    "admin",
    "administrativo",
    "agendamento",
    "atendimento",
    "clinica",
    "comercial",
    "contato",
    "faleconosco",
    "financeiro",
    "info",
    "marketing",
    "noreply",
    "no-reply",
    "recepcao",
    "rh",
    "sac",
    "secretaria",
    "suporte",
    "vendas",
)
EMAIL_TYPE = pa.struct(
    [
        ("email", pa.string()),  # canonical: trimmed, lower-cased, domain repaired; if valid
        ("match_key", pa.string()),  # email with +tags dropped (and dots, at gmail)
        ("repaired_domain", pa.string()),  # the misspelt domain that was repaired, or null
        ("is_role_address", pa.bool_()),
        ("problem", pa.string()),  # "invalid_syntax" when email is null; null otherwise
    ]
)
# Letters, digits and ._%+- in the local part (no leading, trailing or double dot), and a
# domain of dot-separated labels of letters and digits joined by single hyphens (IDNA
# reserves "--" in some places, so a label holding one is left to email-validator) ending in
# a 2+ letter TLD; a label longer than 63 characters is left to it too (`_LONG_LABEL`).
_PLAIN = r"^[a-z0-9_%+-]+(\.[a-z0-9_%+-]+)*@([a-z0-9]+(-[a-z0-9]+)*\.)+[a-z]{2,24}$"
_LONG_LABEL = r"@(.*\.)?[a-z0-9-]{64}"


def normalize_emails(raw: pa.Array) -> pa.StructArray:
    """Each email as recorded to its canonical form and match key; null where blank."""
    text = pc.utf8_lower(pc.utf8_trim_whitespace(pc.cast(raw, pa.string())))
    blank = pc.fill_null(pc.equal(text, ""), True)
    text = pc.replace_substring_regex(text, r"\.+$", "")  # "ana@gmail.com." ends a sentence
    parts = pc.extract_regex(text, r"^(?P<local>.*)@(?P<domain>[^@]*)$")
    local, domain = pc.struct_field(parts, "local"), pc.struct_field(parts, "domain")
    typos = pa.array(list(DOMAIN_TYPOS))
    known_fix = pc.take(pa.array(list(DOMAIN_TYPOS.values())), pc.index_in(domain, typos))
    con_fix = pc.replace_substring_regex(domain, _CON_ENDING, ".com")
    fixed_domain = pc.coalesce(known_fix, con_fix)
    repaired = pc.fill_null(pc.not_equal(fixed_domain, domain), False)
    email = pc.if_else(
        pc.is_valid(parts), pc.binary_join_element_wise(local, fixed_domain, "@"), text
    )
    valid = _valid(email)
    ok = pc.and_(valid, pc.invert(blank))
    untagged = pc.replace_substring_regex(local, r"\+.*$", "")
    dotless = pc.is_in(fixed_domain, pa.array(DOTLESS_DOMAINS))
    key_local = pc.if_else(dotless, pc.replace_substring(untagged, ".", ""), untagged)
    match_key = pc.binary_join_element_wise(key_local, fixed_domain, "@")
    role = pc.is_in(untagged, pa.array(ROLE_LOCAL_PARTS))
    fields = [
        pc.if_else(ok, email, None),
        pc.if_else(ok, match_key, None),
        pc.if_else(pc.and_(ok, repaired), domain, None),
        pc.fill_null(pc.and_(ok, role), False),
        pc.if_else(ok, None, pa.scalar("invalid_syntax")),
    ]
    return pa.StructArray.from_arrays(
        [as_array(field) for field in fields], fields=list(EMAIL_TYPE), mask=as_array(blank)
    )


def _valid(email: pa.Array) -> pa.Array:
    plain = pc.and_(
        pc.fill_null(pc.match_substring_regex(email, _PLAIN), False),
        pc.invert(pc.fill_null(pc.match_substring_regex(email, _LONG_LABEL), False)),
    )
    verdicts = plain.to_numpy(zero_copy_only=False).copy()
    for index in pc.indices_nonzero(pc.and_(pc.invert(plain), pc.is_valid(email))).to_pylist():
        verdicts[index] = is_valid_email(email[index].as_py())
    return pa.array(verdicts, pa.bool_())


def is_valid_email(address: str) -> bool:
    """email-validator's verdict on syntax alone (no DNS lookup)."""
    try:
        email_validator.validate_email(address, check_deliverability=False)
    except email_validator.EmailNotValidError:
        return False
    return True
