"""Local emulators of the HubSpot, Hotmart and ManyChat APIs (see server.py)."""

from crm_elt.sandbox.server import (
    FaultSpec,
    RunningSandbox,
    SandboxConfig,
    create_server,
    start_sandbox,
)

__all__ = ["FaultSpec", "RunningSandbox", "SandboxConfig", "create_server", "start_sandbox"]
