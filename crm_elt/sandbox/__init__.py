"""Local emulators of the HubSpot, Hotmart and ManyChat APIs, served by one HTTP server.

Where things are: `server.py` (the HTTP server, routing by API prefix, the `/_sandbox` control
API), `protocol.py` (Request, Response, the emulator protocol), `config.py` (SandboxConfig,
FaultSpec), `faults.py` (seeded fault injection), `limits.py` (rolling-window rate counter),
`hubspot/` (the HubSpot CRM emulator, a package of its own), `hotmart.py`, `manychat.py`.
"""

from crm_elt.sandbox.config import FaultSpec, SandboxConfig
from crm_elt.sandbox.server import RunningSandbox, create_server, start_sandbox

__all__ = ["FaultSpec", "RunningSandbox", "SandboxConfig", "create_server", "start_sandbox"]
