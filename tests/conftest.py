"""Shared fixtures: settings pointed at a temporary data folder, never at the real `data/`."""

from __future__ import annotations

import dataclasses
import socket
from pathlib import Path

import pytest

from crm_elt.settings import Settings, load_settings

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def make_settings(data_dir: Path, environment: str = "dev", **environ: str) -> Settings:
    """Settings from an explicit environment only (no .env, no os.environ)."""
    values = {"CRM_ELT_DATA_DIR": str(data_dir), "ENVIRONMENT": environment, **environ}
    return load_settings(environ=values, env_file=data_dir / "no.env")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "data")


@pytest.fixture
def prd_settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, environment="prd")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
