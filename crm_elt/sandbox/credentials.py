"""The credentials the local emulators accept; `.env.example` ships the same values.

They open nothing but the emulators on 127.0.0.1, so they may live in the repository.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass


@dataclass(frozen=True)
class SandboxCredentials:
    hubspot_access_token: str
    hotmart_client_id: str
    hotmart_client_secret: str
    manychat_token: str

    @property
    def hotmart_basic_token(self) -> str:
        pair = f"{self.hotmart_client_id}:{self.hotmart_client_secret}".encode()
        return base64.b64encode(pair).decode()


SANDBOX_CREDENTIALS = SandboxCredentials(
    hubspot_access_token="pat-na1-sandbox-0000-4c1d-9e6b-crm-elt-local",
    hotmart_client_id="sandbox-client-7f3a9c21",
    hotmart_client_secret="sandbox-secret-5b8e2d94f1",
    manychat_token="1234567890123456:SANDBOXMANYCHATKEY0123456789ABCD",
)
