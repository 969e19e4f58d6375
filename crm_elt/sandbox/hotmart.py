"""Hotmart emulator (API_NOTES.md §2): client-credentials token with expiry, sales history
and sales users with `page_info` paging, the default APPROVED/COMPLETE filter, the ~1-year
window limit, clamped `max_results`, and a per-minute limit with `RateLimit-*` headers."""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from crm_elt.dataset import sandbox_path
from crm_elt.sandbox.credentials import SANDBOX_CREDENTIALS
from crm_elt.sandbox.hubspot import RateLimiter
from crm_elt.sandbox.server import Request, Response, SandboxConfig

MAX_RESULTS = 500
FILTERED_CACHE_SIZE = 16
DEFAULT_STATUSES = ("APPROVED", "COMPLETE")


def hotmart_error(status: int, error: str, description: str) -> Response:
    return Response(status, {"error": error, "error_description": description})


class HotmartEmulator:
    def __init__(self, sales: pd.DataFrame, users: pd.DataFrame, config: SandboxConfig):
        self.sales = sales.sort_values(["order_date", "transaction"], kind="stable").reset_index(
            drop=True
        )
        self.order_dates = self.sales["order_date"].to_numpy()
        # Sorted by transaction so a page finds its users without scanning them all.
        self.users = (
            users[users["role"].isin(config.hotmart_user_roles)]
            .sort_values("transaction", kind="stable")
            .reset_index(drop=True)
        )
        # Fixed-width text: binary search in C instead of Python string comparisons.
        self.user_transactions = self.users["transaction"].to_numpy().astype(str)
        # Pages are cut out of Arrow tables: rows to Python dicts in C, NaN as None.
        self.sales_rows = pa.Table.from_pandas(self.sales, preserve_index=False)
        self.users_rows = pa.Table.from_pandas(self.users, preserve_index=False)
        self.config = config
        # Paging re-sends one query with a new page_token: filter it once, not once per page.
        self.filtered_cache: OrderedDict[tuple, pd.DataFrame] = OrderedDict()
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
        # Sorted by order date: a window is a slice.
        first = 0 if start_ms is None else int(np.searchsorted(self.order_dates, start_ms, "left"))
        stop = (
            len(sales)
            if end_ms is None
            else int(np.searchsorted(self.order_dates, end_ms, "right"))
        )
        sales = sales.iloc[first:stop]
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
        query = tuple(
            sorted(
                (name, tuple(values))
                for name, values in request.query.items()
                if name not in ("page_token", "max_results")
            )
        )
        with self.lock:
            sales = self.filtered_cache.get(query)
            if sales is not None:
                self.filtered_cache.move_to_end(query)
        if sales is None:
            sales = self._filtered_sales(request)
            if isinstance(sales, Response):
                return sales
            with self.lock:
                self.filtered_cache[query] = sales
                while len(self.filtered_cache) > FILTERED_CACHE_SIZE:
                    self.filtered_cache.popitem(last=False)
        return self._page(sales, request)

    def sales_history(self, request: Request) -> Response:
        paged = self._filtered_page(request)
        if isinstance(paged, Response):
            return paged
        page, info = paged
        rows = _rows(self.sales_rows, page.index)
        return Response(200, {"items": [_sale_item(row) for row in rows], "page_info": info})

    def sales_users(self, request: Request) -> Response:
        paged = self._filtered_page(request)
        if isinstance(paged, Response):
            return paged
        page, info = paged
        wanted = page["transaction"].unique().astype(str)
        starts = np.searchsorted(self.user_transactions, wanted, "left")
        stops = np.searchsorted(self.user_transactions, wanted, "right")
        positions = [np.arange(start, stop) for start, stop in zip(starts, stops, strict=True)]
        users = _rows(self.users_rows, np.concatenate([np.arange(0), *positions]))
        by_transaction: dict[str, list[dict]] = {}
        for user in users:  # one conversion for the page, not one per transaction
            by_transaction.setdefault(user["transaction"], []).append(user)
        items = [
            {
                "transaction": row["transaction"],
                "product": {"id": int(row["product_id"]), "name": row["product_name"]},
                "users": [_user(user) for user in by_transaction.get(row["transaction"], [])],
            }
            for row in _rows(
                self.sales_rows.select(["transaction", "product_id", "product_name"]), page.index
            )
        ]
        return Response(200, {"items": items, "page_info": info})


def _rows(table: pa.Table, positions) -> list[dict]:
    """The rows at `positions` as dicts of Python values, missing values as None."""
    return table.take(pa.array(np.asarray(positions, dtype=np.int64))).to_pylist()


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
