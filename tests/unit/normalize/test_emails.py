"""Email rules: canonical form, repairs, match key; validity as email-validator decides."""

from __future__ import annotations

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_elt.normalize.emails import _PLAIN, DOMAIN_TYPOS, is_valid_email, normalize_emails


def normalized(raw: str | None) -> dict | None:
    return normalize_emails(pa.array([raw], pa.string()))[0].as_py()


@pytest.mark.parametrize(
    ("raw", "email", "match_key", "repaired"),
    [
        (" Ana.Souza@GMAIL.com ", "ana.souza@gmail.com", "anasouza@gmail.com", None),
        ("ana.souza+promo@gmail.com", "ana.souza+promo@gmail.com", "anasouza@gmail.com", None),
        ("ana+x@uol.com.br", "ana+x@uol.com.br", "ana@uol.com.br", None),
        ("a.b@hotmail.com", "a.b@hotmail.com", "a.b@hotmail.com", None),  # dots count there
        ("ana@gmial.com", "ana@gmail.com", "ana@gmail.com", "gmial.com"),
        ("ana@hotmial.com", "ana@hotmail.com", "ana@hotmail.com", "hotmial.com"),
        ("ana@clinica.con", "ana@clinica.com", "ana@clinica.com", "clinica.con"),
        ("ana@gmail.com.", "ana@gmail.com", "ana@gmail.com", None),
        ("josé@gmail.com", "josé@gmail.com", "josé@gmail.com", None),  # asked of the library
    ],
)
def test_normalize_emails_canonical_form_and_key(raw, email, match_key, repaired):
    result = normalized(raw)
    assert (result["email"], result["match_key"], result["repaired_domain"]) == (
        email,
        match_key,
        repaired,
    )
    assert result["problem"] is None


@pytest.mark.parametrize(
    "raw", ["ana..b@x.com", "sem email", "a@b", "ana@", "@gmail.com", "a@-x.com"]
)
def test_an_invalid_email_is_null_with_its_problem(raw):
    result = normalized(raw)
    assert result["email"] is None and result["match_key"] is None
    assert result["problem"] == "invalid_syntax"


@pytest.mark.parametrize("raw", [None, "", "  "])
def test_a_blank_email_is_null_not_a_problem(raw):
    assert normalized(raw) is None


@pytest.mark.parametrize(
    ("raw", "role"),
    [("recepcao@clinica.com.br", True), ("contato+site@x.com", True), ("ana@x.com", False)],
)
def test_role_addresses_are_flagged(raw, role):
    assert normalized(raw)["is_role_address"] is role


def test_every_typo_repairs_to_a_valid_domain():
    for typo, domain in DOMAIN_TYPOS.items():
        assert normalized(f"ana@{typo}")["email"] == f"ana@{domain}"


local_parts = st.from_regex(r"[a-z0-9_%+-]{1,12}(\.[a-z0-9_%+-]{1,8}){0,2}", fullmatch=True)
domains = st.from_regex(r"([a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?\.){1,3}[a-z]{2,6}", fullmatch=True)


@settings(max_examples=400, deadline=None)
@given(local=local_parts, domain=domains)
def test_every_plain_address_passed_without_asking_is_one_email_validator_accepts(local, domain):
    address = f"{local}@{domain}"
    if not pa.compute.match_substring_regex(pa.array([address]), _PLAIN)[0].as_py():
        return
    assert is_valid_email(address), address
    assert normalized(address)["problem"] is None


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab.@-_+ çé1")), max_size=14))
def test_any_text_is_judged_as_email_validator_judges_it(text):
    result = normalized(text)
    if result is None:
        assert not text.strip()
        return
    canonical = text.strip().lower().rstrip(".")
    if "@" in canonical:
        local, _, domain = canonical.rpartition("@")
        domain = DOMAIN_TYPOS.get(
            domain, domain.removesuffix(".con") + ".com" if domain.endswith(".con") else domain
        )
        canonical = f"{local}@{domain}"
    assert (result["problem"] is None) == is_valid_email(canonical)
