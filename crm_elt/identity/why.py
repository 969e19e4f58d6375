"""`python -m crm_elt why <email | phone | golden id>`: a person's cluster, its records and the
links that joined them (or were refused), read from the marts."""

from __future__ import annotations

import duckdb
import pyarrow as pa

from crm_elt.normalize.emails import normalize_emails
from crm_elt.normalize.phones import normalize_phones


def find_golden_ids(con: duckdb.DuckDBPyConnection, query: str) -> list[str]:
    """Golden contacts matching a golden id (current or retired), an email or a phone."""
    query = query.strip()
    email = normalize_emails(pa.array([query]))[0].as_py() or {}
    phone = normalize_phones(pa.array([query]))[0].as_py() or {}
    rows = con.execute(
        """
        select distinct golden.golden_contact_id
        from intermediate.int_golden_contact_ids as golden
        inner join intermediate.int_identities as identity using (identity_id)
        left join marts.golden_contact_redirects as redirect
            on redirect.golden_contact_id = golden.golden_contact_id
        where golden.golden_contact_id = $1
            or redirect.retired_golden_contact_id = $1
            or list_contains(identity.email_keys || identity.role_email_keys, $2)
            or list_contains(identity.phones || identity.whatsapp_phones, $3)
            or identity.identity_id = $1
            or identity.source_record_id = $1
        order by 1
        """,
        [query, email.get("match_key"), phone.get("e164")],
    ).fetchall()
    return [row[0] for row in rows]


def explain(con: duckdb.DuckDBPyConnection, golden_contact_id: str) -> str:
    person = con.execute(
        "select full_name, email, phone, whatsapp_phone, city, state, sources, identities "
        "from marts.dim_contacts where golden_contact_id = ?",
        [golden_contact_id],
    ).fetchall()
    name, email, phone, whatsapp, city, state, sources, identities = person[0]
    lines = [
        f"{golden_contact_id}: {name or '(no name)'}",
        f"  email {email or '-'}  phone {phone or '-'}  whatsapp {whatsapp or '-'}  "
        f"{city or '-'}/{state or '-'}",
        f"  {identities} record(s) in {', '.join(sources)}",
        "  records:",
    ]
    records = con.execute(
        """
        select identity.identity_id, identity.first_name, identity.last_name,
            identity.email, identity.phone, identity.whatsapp_phone, lineage.linked_by_rules
        from marts.contact_lineage as lineage
        inner join intermediate.int_identities as identity using (identity_id)
        where lineage.golden_contact_id = ?
        order by identity.first_seen_at nulls last, identity.identity_id
        """,
        [golden_contact_id],
    ).fetchall()
    for identity_id, first, last, mail, own_phone, chat, rules in records:
        shown_name = " ".join(part for part in (first, last) if part) or "(no name)"
        lines.append(
            f"    {identity_id}  {shown_name}  {mail or '-'}  {own_phone or chat or '-'}"
            f"  linked by: {', '.join(rules) or 'nothing (alone)'}"
        )
    links = con.execute(
        """
        select identity_a, identity_b, rule, evidence, is_accepted, rejection_reason
        from marts.contact_links
        where golden_contact_id_a = $1 or golden_contact_id_b = $1
        order by is_accepted desc, rule, identity_a, identity_b
        """,
        [golden_contact_id],
    ).fetchall()
    if links:
        lines.append("  links:")
    for first_id, second_id, rule, evidence, accepted, reason in links:
        verdict = "joined" if accepted else f"refused ({reason})"
        lines.append(f"    {first_id} - {second_id}: {rule} on {evidence}, {verdict}")
    return "\n".join(lines)
