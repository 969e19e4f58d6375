"""Hotmart emulator (API_NOTES.md §2): client-credentials token with expiry, sales history
and sales users with `page_info` paging, the default APPROVED/COMPLETE filter, the ~1-year
window limit, clamped `max_results`, and a per-minute limit with `RateLimit-*` headers."""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd

from crm_elt.dataset import sandbox_path
from crm_elt.sandbox.credentials import SANDBOX_CREDENTIALS
from crm_elt.sandbox.hubspot import RateLimiter
from crm_elt.sandbox.server import Request, Response, SandboxConfig

MAX_RESULTS = 500
DEFAULT_STATUSES = ("APPROVED", "COMPLETE")


def hotmart_error(status: int, error: str, description: str) -> Response:
    return Response(status, {"error": error, "error_description": description})


class HotmartEmulator:
    def __init__(self, sales: pd.DataFrame, users: pd.DataFrame, config: SandboxConfig):
        self.sales = sales.sort_values(["order_date", "transaction"], kind="stable").reset_index(
            drop=True
        )
        self.users = users
        self.config = config
        self.tokens: dict[str, float] = {}  # token -> expiry (monotonic seconds)
        self.lock = threading.Lock()
        self.per_minute = RateLimiter(config.hotmart_per_minute, 60.0)
        self.token_requests = 0

    @classmethod
    def from_dataset(cls, data_dir: Path, config: SandboxConfig) -> HotmartEmulator:
        sales_path = sandbox_path(data_dir, "hotmart_sales.parquet")
        users_path = sandbox_path(data_dir, "hotmart_sales_users.parquet")
        sales = (
            pd.read_parquet(sales_path)
            if sales_path.is_file()
            else pd.DataFrame(columns=["transaction", "order_date", "status"])
        )
        users = (
            pd.read_parquet(users_path)
            if users_path.is_file()
            else pd.DataFrame(columns=["transaction", "role"])
        )
        return cls(sales, users, config)

    def handle(self, request: Request) -> Response:
        if request.path == "/security/oauth/token":
            return self.issue_token(request)
        auth = request.header("authorization")
        token = auth.removeprefix("Bearer ").strip() if auth.startswith("Bearer ") else ""
        with self.lock:
            expiry = self.tokens.get(token)
        if expiry is None or expiry < time.monotonic():
            error = "token_expired" if expiry is not None else "invalid_token"
            return hotmart_error(401, error, "Invalid or expired access token")
        headers = {}
        if self.config.rate_limits:
            allowed, remaining = self.per_minute.take()
            headers = {
                "RateLimit-Limit": str(self.per_minute.limit),
                "RateLimit-Remaining": str(remaining),
                "RateLimit-Reset": "60" if not allowed else str(self._reset_seconds()),
                "X-RateLimit-Limit-Minute": str(self.per_minute.limit),
                "X-RateLimit-Remaining-Minute": str(remaining),
            }
            if not allowed:
                response = hotmart_error(429, "too_many_requests", "Rate limit exceeded")
                response.headers.update(headers)
                return response
        if request.path == "/payments/api/v1/sales/history":
            response = self.sales_history(request)
        elif request.path == "/payments/api/v1/sales/users":
            response = self.sales_users(request)
        else:
            response = hotmart_error(404, "not_found", f"No resource at {request.path}")
        response.headers.update(headers)
        return response

    def issue_token(self, request: Request) -> Response:
        basic = request.header("authorization").removeprefix("Basic ").strip()
        client_id, client_secret = request.arg("client_id"), request.arg("client_secret")
        if (
            request.arg("grant_type") != "client_credentials"
            or basic != SANDBOX_CREDENTIALS.hotmart_basic_token
            or client_id != SANDBOX_CREDENTIALS.hotmart_client_id
            or client_secret != SANDBOX_CREDENTIALS.hotmart_client_secret
        ):
            return hotmart_error(401, "unauthorized_client", "Bad client credentials")
        token = base64.b64encode(secrets.token_bytes(48)).decode()
        with self.lock:
            self.tokens[token] = time.monotonic() + self.config.hotmart_token_expires_in
            self.token_requests += 1
        return Response(
            200,
            {
                "access_token": token,
                "token_type": "bearer",
                "expires_in": self.config.hotmart_token_expires_in,
                "scope": "read write",
                "jti": secrets.token_hex(16),
            },
        )

    def reset_rate_limits(self) -> None:
        self.per_minute.reset()

    def expire_tokens(self) -> None:
        with self.lock:
            self.tokens = dict.fromkeys(self.tokens, 0.0)

    def _reset_seconds(self) -> int:
        if not self.per_minute.calls:
            return 0
        return max(0, int(60 - (time.monotonic() - self.per_minute.calls[0])))

    def _filtered_sales(self, request: Request) -> pd.DataFrame | Response:
        sales = self.sales
        start, end = request.arg("start_date"), request.arg("end_date")
        try:
            start_ms = int(start) if start else None
            end_ms = int(end) if end else None
        except ValueError:
            return hotmart_error(400, "invalid_value_parameter", "start_date/end_date: epoch ms")
        if (
            start_ms is not None
            and end_ms is not None
            and (end_ms - start_ms > self.config.hotmart_max_window_days * 86_400_000)
        ):
            return hotmart_error(400, "invalid_parameter", "Date range must be at most one year")
        if start_ms is not None:
            sales = sales[sales["order_date"] >= start_ms]
        if end_ms is not None:
            sales = sales[sales["order_date"] <= end_ms]
        transaction = request.arg("transaction")
        statuses = [
            part.strip().upper()
            for value in request.query.get("transaction_status", [])
            for part in value.split(",")
            if part.strip()
        ]
        if self.config.hotmart_status_values == "first_only":
            statuses = statuses[:1]
        if transaction:
            sales = sales[sales["transaction"] == transaction]
        if statuses:
            sales = sales[sales["status"].isin(statuses)]
        elif not transaction:
            sales = sales[sales["status"].isin(DEFAULT_STATUSES)]
        for name, column in (("product_id", "product_id"), ("buyer_email", "buyer_email")):
            if request.arg(name):
                sales = sales[sales[column].astype(str) == request.arg(name)]
        return sales

    def _page(self, frame: pd.DataFrame, request: Request) -> tuple[pd.DataFrame, dict] | Response:
        try:
            default = self.config.hotmart_default_max_results
            size = min(max(int(request.arg("max_results") or default), 1), MAX_RESULTS)
            offset = _decode_token(request.arg("page_token"))
        except ValueError:
            return hotmart_error(400, "invalid_parameter", "Invalid page_token or max_results")
        page = frame.iloc[offset : offset + size]
        info: dict = {"total_results": len(frame), "results_per_page": size}
        if offset + size < len(frame):
            info["next_page_token"] = _encode_token(offset + size)
        if offset > 0:
            info["prev_page_token"] = _encode_token(max(offset - size, 0))
        return page, info

    def _filtered_page(self, request: Request) -> tuple[pd.DataFrame, dict] | Response:
        sales = self._filtered_sales(request)
        return sales if isinstance(sales, Response) else self._page(sales, request)

    def sales_history(self, request: Request) -> Response:
        paged = self._filtered_page(request)
        if isinstance(paged, Response):
            return paged
        page, info = paged
        return Response(200, {"items": [_sale_item(row) for row in _rows(page)], "page_info": info})

    def sales_users(self, request: Request) -> Response:
        paged = self._filtered_page(request)
        if isinstance(paged, Response):
            return paged
        page, info = paged
        users = self.users[
            self.users["transaction"].isin(page["transaction"])
            & self.users["role"].isin(self.config.hotmart_user_roles)
        ]
        by_transaction: dict[str, list[dict]] = {}
        for user in _rows(users):  # one conversion for the page, not one per transaction
            by_transaction.setdefault(user["transaction"], []).append(user)
        items = [
            {
                "transaction": row["transaction"],
                "product": {"id": int(row["product_id"]), "name": row["product_name"]},
                "users": [_user(user) for user in by_transaction.get(row["transaction"], [])],
            }
            for row in _rows(page)
        ]
        return Response(200, {"items": items, "page_info": info})


def _rows(frame: pd.DataFrame) -> list[dict]:
    return [
        {key: (None if _missing(value) else value) for key, value in row.items()}
        for row in frame.to_dict("records")
    ]


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


def _sale_item(row: dict) -> dict:
    def ms(value):
        return None if value is None else int(value)

    return {
        "product": {"id": int(row["product_id"]), "name": row["product_name"]},
        "buyer": {
            "name": row["buyer_name"],
            "ucode": row["buyer_ucode"],
            "email": row["buyer_email"],
        },
        "producer": {"name": row.get("producer_name"), "ucode": row.get("producer_ucode")},
        "purchase": {
            "transaction": row["transaction"],
            "order_date": ms(row["order_date"]),
            "approved_date": ms(row.get("approved_date")),
            "status": row["status"],
            "recurrency_number": row.get("recurrency_number"),
            "is_subscription": bool(row.get("is_subscription") or False),
            "commission_as": row.get("commission_as"),
            "price": {"value": float(row["price_value"]), "currency_code": row["price_currency"]},
            "payment": {
                "method": row.get("payment_method"),
                "installments_number": int(row.get("installments_number") or 1),
                "type": row.get("payment_type"),
            },
            "tracking": {
                "source_sck": row.get("tracking_source_sck"),
                "source": row.get("tracking_source"),
                "external_code": row.get("tracking_external_code"),
            },
            "warranty_expire_date": ms(row.get("warranty_expire_date")),
            "offer": {"payment_mode": row.get("offer_payment_mode"), "code": row.get("offer_code")},
            "hotmart_fee": {
                "total": row.get("hotmart_fee_total"),
                "currency_code": row.get("hotmart_fee_currency"),
            },
        },
    }


def _user(row: dict) -> dict:
    documents = (
        [{"value": row["document_value"], "type": row.get("document_type") or "CPF"}]
        if row.get("document_value")
        else []
    )
    return {
        "role": row["role"],
        "user": {
            "ucode": row.get("ucode"),
            "locale": row.get("locale"),
            "name": row.get("name"),
            "cellphone": row.get("cellphone"),
            "phone": row.get("phone"),
            "email": row.get("email"),
            "documents": documents,
            "address": {
                "city": row.get("address_city"),
                "state": row.get("address_state"),
                "country": row.get("address_country"),
                "zip_code": row.get("address_zip_code"),
            },
        },
    }


def _encode_token(offset: int) -> str:
    return base64.b64encode(json.dumps({"offset": offset}).encode()).decode()


def _decode_token(token: str | None) -> int:
    if not token:
        return 0
    try:
        return int(json.loads(base64.b64decode(token))["offset"])
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError("bad page token") from exc
