"""ManyChat emulator (API_NOTES.md §3.1): `Bearer page_id:key`, page info, subscriber lookups
(getInfo by id; findBySystemField by email or phone, exact match, the first subscriber that
has it), tags (getTags, createTag, addTag, addTagByName: a tag added shows in the subscriber's
`tags`), flows; failures are HTTP 400 with `status: error`; every write is recorded.
Subscribers deleted through the control API (`delete_subscribers`) no longer exist for any
endpoint, as after a user deletes them in ManyChat.

Dataset columns beyond MANYCHAT_COLUMNS are served as text `custom_fields`."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from crm_elt.dataset import MANYCHAT_COLUMNS, sandbox_path
from crm_elt.sandbox.config import SandboxConfig
from crm_elt.sandbox.credentials import SANDBOX_CREDENTIALS
from crm_elt.sandbox.limits import RateLimiter
from crm_elt.sandbox.protocol import Request, Response

WRITE_PATHS = ("/fb/subscriber/addTag", "/fb/subscriber/addTagByName", "/fb/sending/sendFlow")
PAGE_WRITE_PATHS = ("/fb/page/createTag",)
PAGE_NAME = "Sandbox Page"
# Requests per second per token, from the Swagger descriptions (API_NOTES §3.1).
PER_SECOND_LIMITS = {
    "/fb/page/getInfo": 100,
    "/fb/page/getTags": 100,
    "/fb/subscriber/findBySystemField": 50,
    "/fb/sending/sendFlow": 20,
    "/fb/subscriber/getInfo": 10,
    "/fb/subscriber/addTag": 10,
    "/fb/subscriber/addTagByName": 10,
    "/fb/page/createTag": 10,
}


def manychat_error(message: str, code: int | None = None, status: int = 400) -> Response:
    body: dict = {"status": "error", "message": message}
    if code is None:
        body["details"] = {"messages": [{"message": message}]}
    else:
        body["code"] = code
    return Response(status, body)


class ManyChatEmulator:
    def __init__(self, subscribers: pd.DataFrame, config: SandboxConfig):
        self.subscribers = (
            subscribers.set_index("id", drop=False) if len(subscribers) else subscribers
        )
        self.config = config
        self.writes: list[dict] = []
        self.lock = threading.Lock()
        tag_names = sorted(
            {
                tag
                for tags in subscribers.get("tags", pd.Series(dtype=object)).dropna()
                for tag in str(tags).split(";")
                if tag
            }
        )
        self.tags = {name: index for index, name in enumerate(tag_names, start=1)}
        self.added_tags: dict[str, list[str]] = {}  # subscriber id -> tag names added by API
        self.deleted: set[str] = set()
        self.limiters = {path: RateLimiter(limit, 1.0) for path, limit in PER_SECOND_LIMITS.items()}
        # findBySystemField returns one subscriber: the first one with that email or phone.
        self.first_row_by = {
            column: _first_row_by_value(subscribers, column) for column in ("email", "phone")
        }

    def delete_subscribers(self, ids: list[str]) -> list[str]:
        """Subscribers a user deleted: every endpoint answers as for an unknown id."""
        with self.lock:
            known = [str(item) for item in ids if str(item) in self.subscribers.index]
            self.deleted.update(known)
        return known

    def _exists(self, subscriber_id: str | None) -> bool:
        return (
            bool(subscriber_id)
            and subscriber_id in self.subscribers.index
            and subscriber_id not in self.deleted
        )

    def reset_rate_limits(self) -> None:
        for limiter in self.limiters.values():
            limiter.reset()

    @classmethod
    def from_dataset(cls, data_dir: Path, config: SandboxConfig) -> ManyChatEmulator:
        path = sandbox_path(data_dir, "manychat_subscribers.parquet")
        frame = pd.read_parquet(path) if path.is_file() else pd.DataFrame(columns=["id", "tags"])
        return cls(frame, config)

    def handle(self, request: Request) -> Response:
        if request.header("authorization") != f"Bearer {SANDBOX_CREDENTIALS.manychat_token}":
            return manychat_error(
                "Wrong format token", status=self.config.manychat_wrong_token_status
            )
        path = request.path
        limiter = self.limiters.get(path)
        if self.config.rate_limits and limiter is not None and not limiter.take()[0]:
            return Response(429, {"status": "error", "message": "Too many requests"})
        if path == "/fb/page/getInfo":
            page_id = SANDBOX_CREDENTIALS.manychat_token.partition(":")[0]
            return Response(200, {"status": "success", "data": _page(page_id)})
        if path == "/fb/page/getTags":
            tags = [{"id": tag_id, "name": name} for name, tag_id in self.tags.items()]
            return Response(200, {"status": "success", "data": tags})
        if path == "/fb/subscriber/getInfo":
            return self._subscriber_response(request.arg("subscriber_id"))
        if path == "/fb/subscriber/findBySystemField":
            email, phone = request.arg("email"), request.arg("phone")
            if bool(email) == bool(phone):
                return manychat_error("Set exactly one of email or phone")
            column, value = ("email", email) if email else ("phone", phone)
            row = self.first_row_by[column].get(value)
            if row is not None and str(self.subscribers.iloc[row]["id"]) in self.deleted:
                row = None
            if row is None:
                if self.config.manychat_not_found_as_error:
                    return manychat_error("Subscriber does not exist", code=2011)
                return Response(200, {"status": "success", "data": []})
            subscriber = self.subscribers.iloc[row]
            return Response(200, {"status": "success", "data": self._subscriber(subscriber)})
        if path in WRITE_PATHS and request.method == "POST":
            return self._write(path, request)
        if path == "/fb/page/createTag" and request.method == "POST":
            return self._create_tag(request)
        return manychat_error(f"Unknown method {path}")

    def _subscriber_response(self, subscriber_id: str | None) -> Response:
        if not self._exists(subscriber_id):
            return manychat_error("Subscriber does not exist", code=2011)
        data = self._subscriber(self.subscribers.loc[subscriber_id])
        return Response(200, {"status": "success", "data": data})

    def _subscriber(self, row: pd.Series) -> dict:
        with self.lock:
            added = list(self.added_tags.get(str(row["id"]), []))
            return _subscriber(row, self.tags, added)

    def _create_tag(self, request: Request) -> Response:
        try:
            body = request.json() or {}
        except ValueError:
            return manychat_error("Invalid JSON")
        name = str(body.get("name") or "").strip()
        if not name:
            return manychat_error("name is required")
        with self.lock:
            if name in self.tags:
                return manychat_error(f"Tag with name {name} already exists")
            self.tags[name] = max(self.tags.values(), default=0) + 1
            self.writes.append({"path": request.path, "body": body, "at": time.time()})
            tag = {"id": self.tags[name], "name": name}
        return Response(200, {"status": "success", "data": {"tag": tag}})

    def _write(self, path: str, request: Request) -> Response:
        try:
            body = request.json() or {}
        except ValueError:
            return manychat_error("Invalid JSON")
        subscriber_id = str(body.get("subscriber_id", ""))
        if not self._exists(subscriber_id):
            return manychat_error("Subscriber does not exist", code=2011)
        tag_names = {tag_id: name for name, tag_id in self.tags.items()}
        if path == "/fb/subscriber/addTag" and body.get("tag_id") not in tag_names:
            return manychat_error("Tag does not exist")
        if path == "/fb/subscriber/addTagByName" and not body.get("tag_name"):
            return manychat_error("tag_name is required")
        if path == "/fb/sending/sendFlow" and not body.get("flow_ns"):
            return manychat_error("flow_ns is required")
        with self.lock:
            self.writes.append({"path": path, "body": body, "at": time.time()})
            tag = (
                tag_names[body["tag_id"]]
                if path == "/fb/subscriber/addTag"
                else body.get("tag_name")
                if path == "/fb/subscriber/addTagByName"
                else None
            )
            if tag is not None:
                if tag not in self.tags:
                    self.tags[tag] = max(self.tags.values(), default=0) + 1
                added = self.added_tags.setdefault(subscriber_id, [])
                if tag not in added:
                    added.append(tag)
        return Response(200, {"status": "success"})


def _first_row_by_value(subscribers: pd.DataFrame, column: str) -> dict[str, int]:
    if column not in subscribers:
        return {}
    values = subscribers[column].reset_index(drop=True).dropna()
    first = values[~values.duplicated(keep="first")]
    return dict(zip(first.astype(str), first.index, strict=True))


def _page(page_id: str) -> dict:
    return {
        "id": int(page_id),
        "name": PAGE_NAME,
        "category": "Health/Beauty",
        "avatar_link": None,
        "username": "sandboxpage",
        "about": "",
        "description": "",
        "is_pro": True,
        "timezone": "America/Sao_Paulo",
    }


def _text(value: object) -> str | None:
    """A dataset cell as the API sends it: text or null (never NaN, which is not JSON)."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    return str(value)


def _subscriber(row: pd.Series, tag_ids: dict[str, int], added_tags: Sequence[str] = ()) -> dict:
    """The full subscriber object of API_NOTES §3.1; fields the dataset lacks are null."""
    tags = [name for name in str(_text(row.get("tags")) or "").split(";") if name]
    tags += [name for name in added_tags if name not in tags]
    page_id = _text(row.get("page_id"))
    return {
        "id": str(row["id"]),
        "page_id": page_id,
        "user_refs": [],
        "first_name": _text(row.get("first_name")),
        "last_name": _text(row.get("last_name")),
        "name": _text(row.get("name")),
        "gender": _text(row.get("gender")),
        "profile_pic": None,
        "locale": _text(row.get("locale")),
        "language": None,
        "timezone": _text(row.get("timezone")),
        "live_chat_url": f"https://manychat.com/fb{page_id}/chat/{row['id']}",
        "last_input_text": None,
        "email": _text(row.get("email")),
        "phone": _text(row.get("phone")),
        "whatsapp_phone": _text(row.get("whatsapp_phone")),
        "optin_email": bool(row.get("optin_email")),
        "optin_phone": bool(row.get("optin_phone")),
        "optin_whatsapp": bool(row.get("optin_whatsapp")),
        "is_followup_enabled": True,
        "ig_username": None,
        "ig_id": None,
        "subscribed": _text(row.get("subscribed")),
        "last_interaction": _text(row.get("last_interaction")),
        "last_seen": _text(row.get("last_seen")),
        "custom_fields": [
            {
                "id": number,
                "name": name,
                "type": "text",
                "description": "",
                "value": None if pd.isna(row[name]) else str(row[name]),
            }
            for number, name in enumerate(
                (name for name in row.index if name not in MANYCHAT_COLUMNS), start=1
            )
        ],
        "tags": [{"id": tag_ids[name], "name": name} for name in tags],
    }
