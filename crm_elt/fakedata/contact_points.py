"""People's contact points, and which of them each source record carries.

A person has a personal email and mobile; some also a work email, a clinic phone, a
WhatsApp-only number, an old number (changed at a known moment), or a relative who
registers them with the relative's own phone and email (a daughter signing her mother up at
an ILPI). Each record picks among them by its source's habits and its date, and says in the
ground truth which one it carries (`*_identity`: the contact point's clean value; `*_kind`:
personal, work, clinic, whatsapp, old, family or front_desk).

Phones are integers here (DDD and subscriber number, see `defects.format_phones`), so
choosing among them is numpy, not strings.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pyarrow as pa

from crm_elt.fakedata import text
from crm_elt.fakedata.defects import DefectRates, e164

EMAIL_KINDS = ("personal", "work", "family", "front_desk")
PHONE_KINDS = ("personal", "clinic", "whatsapp", "old", "family")
NONE = -1


@dataclass(frozen=True)
class SourceHabits:
    """Of the people who have such a contact point, the share of a source's records with it."""

    work_email: float  # a work email instead of the personal one
    clinic_phone: float  # the clinic phone in the main phone field
    whatsapp_phone: float  # the WhatsApp-only number in the main phone field
    family_email: float  # the relative's email (of people registered by a relative)
    family_phone: float  # the relative's phone

    @classmethod
    def of(cls, rates: DefectRates, source: str) -> SourceHabits:
        """A source's habits from its `<source>_<contact point>_use` rates."""
        return cls(
            **{habit.name: getattr(rates, f"{source}_{habit.name}_use") for habit in fields(cls)}
        )


@dataclass
class PersonContacts:
    """Every person's contact points, one row per person (row = person_id - 1)."""

    email: pa.Array  # personal, clean
    work_email: pa.Array  # null for most
    mobile: np.ndarray  # national number of the current personal mobile
    clinic: np.ndarray  # clinic landline, 0 for none
    whatsapp: np.ndarray  # the WhatsApp number (the mobile itself for most)
    old_mobile: np.ndarray  # the number before it changed, 0 for none
    changed_at_ms: np.ndarray  # when it changed (meaningless without an old one)
    relative: np.ndarray  # row of the relative whose contacts they use, -1 for none

    def mobile_at(self, rows: np.ndarray, moments_ms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The personal mobile of the persons at `rows` at those moments, and whether it is
        the old one (the number had not changed yet)."""
        was_old = (self.old_mobile[rows] > 0) & (moments_ms < self.changed_at_ms[rows])
        return np.where(was_old, self.old_mobile[rows], self.mobile[rows]), was_old

    def emails(self) -> pa.Array:
        """Personal emails, then work emails: what `RecordContacts.email_ref` indexes."""
        return pa.concat_arrays([self.email, self.work_email])


@dataclass
class RecordContacts:
    """Which contact point each record carries, before any defect is applied."""

    email_ref: np.ndarray  # index into PersonContacts.emails(), -1 for none
    email_kind: np.ndarray  # index into EMAIL_KINDS, -1 for none
    phone: np.ndarray  # national number, 0 for none
    phone_kind: np.ndarray  # index into PHONE_KINDS, -1 for none

    def email_identity(self, contacts: PersonContacts) -> pa.Array:
        return text.null_where(
            text.take(contacts.emails(), np.maximum(self.email_ref, 0)), self.email_ref < 0
        )


def choose_contacts(
    rng: np.random.Generator,
    contacts: PersonContacts,
    rows: np.ndarray,
    moments_ms: np.ndarray,
    habits: SourceHabits,
) -> RecordContacts:
    """The email and main phone of records of the persons at `rows`, made at `moments_ms`,
    by the habits of their source."""
    size = len(rows)
    n_persons = len(contacts.mobile)
    relative = contacts.relative[rows]
    has_relative = relative >= 0
    safe_relative = np.maximum(relative, 0)

    email_ref = rows.astype(np.int64).copy()
    email_kind = np.zeros(size, dtype=np.int8)
    has_work = np.asarray(contacts.work_email.is_valid())[rows]
    work = has_work & (rng.random(size) < habits.work_email)
    email_ref[work] = n_persons + rows[work]
    email_kind[work] = EMAIL_KINDS.index("work")
    family_email = has_relative & (rng.random(size) < habits.family_email)
    email_ref[family_email] = safe_relative[family_email]
    email_kind[family_email] = EMAIL_KINDS.index("family")

    phone, old = contacts.mobile_at(rows, moments_ms)
    phone_kind = np.where(old, PHONE_KINDS.index("old"), PHONE_KINDS.index("personal"))
    phone_kind = phone_kind.astype(np.int8)
    whatsapp = (contacts.whatsapp[rows] != contacts.mobile[rows]) & (
        rng.random(size) < habits.whatsapp_phone
    )
    phone[whatsapp] = contacts.whatsapp[rows][whatsapp]
    phone_kind[whatsapp] = PHONE_KINDS.index("whatsapp")
    clinic = (contacts.clinic[rows] > 0) & (rng.random(size) < habits.clinic_phone)
    phone[clinic] = contacts.clinic[rows][clinic]
    phone_kind[clinic] = PHONE_KINDS.index("clinic")
    family_phone = has_relative & (rng.random(size) < habits.family_phone)
    phone[family_phone] = contacts.mobile[safe_relative][family_phone]
    phone_kind[family_phone] = PHONE_KINDS.index("family")
    return RecordContacts(email_ref, email_kind, phone, phone_kind)


def kinds(names: tuple[str, ...], codes: np.ndarray) -> pa.Array:
    """Kind codes as strings, null for none."""
    codes = np.asarray(codes, dtype=np.int64)
    return text.null_where(text.take(pa.array(names), np.maximum(codes, 0)), codes < 0)


def phone_identity(national: np.ndarray) -> pa.Array:
    return e164(national)


@dataclass
class Identities:
    """Per record, which contact point each of its fields came from (see the truth's docs)."""

    email: pa.Array  # the clean email the record's email came from, or null
    email_kind: np.ndarray  # index into EMAIL_KINDS, -1 for none
    phone: np.ndarray  # national number behind the main phone field, 0 for none
    phone_kind: np.ndarray  # index into PHONE_KINDS
    second_phone: np.ndarray  # behind HubSpot's `phone` or ManyChat's `whatsapp_phone`
    second_phone_kind: np.ndarray

    @classmethod
    def none(cls, size: int) -> Identities:
        nothing = np.zeros(size, dtype=np.int64)
        no_kind = np.full(size, NONE, dtype=np.int8)
        return cls(pa.nulls(size, pa.string()), no_kind, nothing, no_kind, nothing, no_kind)

    def take(self, index: np.ndarray) -> Identities:
        index = np.asarray(index, dtype=np.int64)
        return Identities(
            text.take(self.email, index),
            self.email_kind[index],
            self.phone[index],
            self.phone_kind[index],
            self.second_phone[index],
            self.second_phone_kind[index],
        )

    def columns(self) -> list[pa.Array]:
        return [
            text.strings(self.email),
            kinds(EMAIL_KINDS, self.email_kind),
            phone_identity(self.phone),
            kinds(PHONE_KINDS, self.phone_kind),
            phone_identity(self.second_phone),
            kinds(PHONE_KINDS, self.second_phone_kind),
        ]


IDENTITY_COLUMNS = (
    "email_identity",
    "email_kind",
    "phone_identity",
    "phone_kind",
    "second_phone_identity",
    "second_phone_kind",
)
