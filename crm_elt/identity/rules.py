"""The named rules that link identities: one place, each documented and switchable.

A rule is switched off with the dbt var `identity_rules_off` (a list of names), e.g.
`dbt build --vars '{identity_rules_off: [same_phone]}'`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    name: str
    strength: int  # stronger links join clusters first (they win a document conflict)
    description: str


RULES = {
    rule.name: rule
    for rule in (
        Rule(
            "same_document",
            4,
            "The same CPF/CNPJ document (Hotmart checkout): one person, whatever the names say.",
        ),
        Rule(
            "hubspot_merge",
            4,
            "HubSpot merged the two contacts: the survivor's hs_merged_object_ids lists the "
            "other, which an earlier extraction kept (HubSpot no longer returns it). HubSpot's "
            "own decision, whatever the names say.",
        ),
        Rule(
            "same_email",
            3,
            "The same email match key (canonical email without +tags, Gmail dots ignored), "
            "with names that are not clearly different. Role mailboxes (recepcao@...) never link.",
        ),
        Rule(
            "same_phone",
            2,
            "The same E.164 phone or WhatsApp number, with names that are not clearly different "
            "(a family's shared phone links no one).",
        ),
        Rule(
            "same_local_phone",
            2,
            "A phone recorded without area code equals the end of another identity's full "
            "number, whose area code is in the record's state (when it has one; in another "
            "state only under the same full name: a mobile kept after a move), and the names "
            "are not clearly different; a local number that fits several people links no one.",
        ),
        Rule(
            "same_name_and_email_user",
            1,
            "No shared identifier, but the same full name (2+ words) and the same email user "
            "name (dots aside) at a free provider and at a private domain (personal and work "
            "addresses), with an area code or state in common and the same city when both "
            "records name one, when no other identity has that name and user name; two "
            "HubSpot contacts need a name of three words or more.",
        ),
    )
}
# Mailbox providers anyone can sign up to; any other domain is a private (work) one.
FREE_EMAIL_PROVIDERS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "hotmail.com",
        "hotmail.com.br",
        "outlook.com",
        "outlook.com.br",
        "live.com",
        "msn.com",
        "yahoo.com",
        "yahoo.com.br",
        "icloud.com",
        "me.com",
        "uol.com.br",
        "bol.com.br",
        "terra.com.br",
        "ig.com.br",
        "globo.com",
        "r7.com",
        "protonmail.com",
        "aol.com",
    }
)
# An identifier shared by more identities than this is a shared one (a clinic's front desk,
# a call centre): it links no one and is reported.
MAX_SHARED_IDENTIFIER = 8
