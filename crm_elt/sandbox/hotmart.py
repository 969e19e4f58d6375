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
import pyarrow.compute as pc

from crm_elt.dataset import sandbox_path
from crm_elt.sandbox.config import SandboxConfig
from crm_elt.sandbox.credentials import SANDBOX_CREDENTIALS
from crm_elt.sandbox.limits import RateLimiter
from crm_elt.sandbox.protocol import Request, Response

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
        self.sale_items = _sale_items(self.sales_rows)
        self.user_items = _user_items(self.users_rows)
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
        return Response(200, {"items": _rows(self.sale_items, page.index), "page_info": info})

    def sales_users(self, request: Request) -> Response:
        paged = self._filtered_page(request)
        if isinstance(paged, Response):
            return paged
        page, info = paged
        wanted = page["transaction"].unique().astype(str)
        starts = np.searchsorted(self.user_transactions, wanted, "left")
        stops = np.searchsorted(self.user_transactions, wanted, "right")
        positions = [np.arange(start, stop) for start, stop in zip(starts, stops, strict=True)]
        # One conversion for the page, then each transaction's users are a slice of it.
        users = _rows(self.user_items, np.concatenate([np.arange(0), *positions]))
        by_transaction: dict[str, list[dict]] = {}
        offset = 0
        for transaction, count in zip(wanted.tolist(), (stops - starts).tolist(), strict=True):
            by_transaction[transaction] = users[offset : offset + count]
            offset += count
        items = [
            {
                "transaction": row["transaction"],
                "product": {"id": int(row["product_id"]), "name": row["product_name"]},
                "users": by_transaction.get(row["transaction"], []),
            }
            for row in _rows(
                self.sales_rows.select(["transaction", "product_id", "product_name"]), page.index
            )
        ]
        return Response(200, {"items": items, "page_info": info})


def _rows(table: pa.Table | pa.StructArray, positions) -> list[dict]:
    """The rows at `positions` as dicts of Python values, missing values as None."""
    return table.take(pa.array(np.asarray(positions, dtype=np.int64))).to_pylist()


def _sale_items(sales: pa.Table) -> pa.StructArray:
    """Every sale as the API's item, built once as Arrow structs: a page's items then become
    nested dicts in C. Field order is the API's, so the JSON is the same as from dicts."""
    column = _column_reader(sales)
    return _struct(
        product=_struct(id=column("product_id", pa.int64()), name=column("product_name")),
        buyer=_struct(
            name=column("buyer_name"), ucode=column("buyer_ucode"), email=column("buyer_email")
        ),
        producer=_struct(name=column("producer_name"), ucode=column("producer_ucode")),
        purchase=_struct(
            transaction=column("transaction"),
            order_date=column("order_date", pa.int64()),
            approved_date=column("approved_date", pa.int64()),
            status=column("status"),
            recurrency_number=column("recurrency_number"),
            is_subscription=column("is_subscription", pa.bool_(), default=False),
            commission_as=column("commission_as"),
            price=_struct(
                value=column("price_value", pa.float64()),
                currency_code=column("price_currency"),
            ),
            payment=_struct(
                method=column("payment_method"),
                installments_number=column("installments_number", pa.int64(), default=1),
                type=column("payment_type"),
            ),
            tracking=_struct(
                source_sck=column("tracking_source_sck"),
                source=column("tracking_source"),
                external_code=column("tracking_external_code"),
            ),
            warranty_expire_date=column("warranty_expire_date", pa.int64()),
            offer=_struct(payment_mode=column("offer_payment_mode"), code=column("offer_code")),
            hotmart_fee=_struct(
                total=column("hotmart_fee_total"),
                currency_code=column("hotmart_fee_currency"),
            ),
        ),
    )


def _user_items(users: pa.Table) -> pa.StructArray:
    """Every (transaction, role) as the API's `{role, user}`, built once like `_sale_items`."""
    column = _column_reader(users)
    document = column("document_value")
    has_document = pc.fill_null(pc.not_equal(document, ""), False)
    document_type = column("document_type", default="CPF")
    document_type = pc.if_else(pc.equal(document_type, ""), "CPF", document_type)
    documents = pa.ListArray.from_arrays(
        pa.array(np.concatenate([[0], np.cumsum(has_document.to_numpy(zero_copy_only=False))])),
        _struct(
            value=pc.filter(document, has_document),
            type=pc.filter(document_type, has_document),
        ),
    )
    return _struct(
        role=column("role"),
        user=_struct(
            ucode=column("ucode"),
            locale=column("locale"),
            name=column("name"),
            cellphone=column("cellphone"),
            phone=column("phone"),
            email=column("email"),
            documents=documents,
            address=_struct(
                city=column("address_city"),
                state=column("address_state"),
                country=column("address_country"),
                zip_code=column("address_zip_code"),
            ),
        ),
    )


def _column_reader(table: pa.Table):
    def column(name: str, cast: pa.DataType | None = None, default: object = None) -> pa.Array:
        """A column as one array (all null if the dataset lacks it), cast, nulls defaulted."""
        if name in table.column_names:
            values = table.column(name).combine_chunks()
        else:
            values = pa.nulls(len(table), cast or pa.string())
        if pa.types.is_null(values.type):
            values = values.cast(cast or pa.string())
        if cast is not None:
            values = pc.cast(values, cast)
        if default is not None:
            values = pc.fill_null(values, default)
        return values

    return column


def _struct(**fields: pa.Array) -> pa.StructArray:
    return pa.StructArray.from_arrays(list(fields.values()), names=list(fields))


def _encode_token(offset: int) -> str:
    return base64.b64encode(json.dumps({"offset": offset}).encode()).decode()


def _decode_token(token: str | None) -> int:
    if not token:
        return 0
    try:
        return int(json.loads(base64.b64decode(token))["offset"])
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError("bad page token") from exc
