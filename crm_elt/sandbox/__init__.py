"""Local emulators of the HubSpot, Hotmart and ManyChat APIs, served by one HTTP server.

Where things are: `server.py` (the HTTP server, routing by API prefix, the `/_sandbox` control
API), `protocol.py` (Request, Response, the emulator protocol), `config.py` (SandboxConfig,
FaultSpec), `faults.py` (seeded fault injection), `limits.py` (rolling-window rate counter),
`hubspot/` (the HubSpot CRM emulator, a package of its own), `hotmart.py`, `manychat.py`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crm_elt.sandbox.config import FaultSpec, SandboxConfig

if TYPE_CHECKING:
    from crm_elt.sandbox.server import RunningSandbox, create_server, start_sandbox

__all__ = ["FaultSpec", "RunningSandbox", "SandboxConfig", "create_server", "start_sandbox"]
_FROM_SERVER = {"RunningSandbox", "create_server", "start_sandbox"}


def __getattr__(name: str) -> object:
    # The server is imported on first use: crm_elt.settings imports sandbox.credentials, and
    # loading the emulators (pandas, pyarrow) would add about 2.5 s to every command.
    if name in _FROM_SERVER:
        from crm_elt.sandbox import server

        return getattr(server, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
