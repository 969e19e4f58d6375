"""A private, writable emulator per test, so writes never leak into the shared one."""

from __future__ import annotations

import pytest

from crm_elt.sandbox import SandboxConfig, start_sandbox


@pytest.fixture
def writable_sandbox(small_dataset):
    with start_sandbox(small_dataset, config=SandboxConfig()) as running:
        yield running
