"""Operator-facing guarantees: production settings, deploy checks, demo data."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
KINDRED = [sys.executable, "-m", "kindred.cli"]


def run_kindred(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("KINDRED_", "DJANGO_"))
    }
    clean.pop("DATABASE_URL", None)
    return subprocess.run(
        [*KINDRED, *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = run_kindred("check")
    assert result.returncode != 0
    assert "KINDRED_SECRET_KEY must be set" in result.stderr


def test_deploy_check_is_clean_under_production_settings(tmp_path):
    result = run_kindred(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        KINDRED_SECRET_KEY="k" * 20
        + "-a-long-random-production-secret-value-0123456789",
        KINDRED_ALLOWED_HOSTS="kindred.example.org",
        KINDRED_VAR_DIR=str(tmp_path),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_demo_refuses_with_debug_off(tmp_path):
    result = run_kindred(
        "demo",
        KINDRED_SECRET_KEY="x" * 60,
        KINDRED_ALLOWED_HOSTS="localhost",
        KINDRED_VAR_DIR=str(tmp_path),
        DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3",
    )
    assert result.returncode != 0
    assert "Refusing to load demo data" in result.stderr


@pytest.mark.django_db
def test_demo_is_deterministic_for_a_seed():
    from kindred.accounts.models import Profile, User
    from kindred.core.demo import build
    from kindred.organisations.models import Organisation

    def snapshot():
        return (
            list(
                Profile.objects.order_by("user__email").values_list(
                    "display_name", "stage", "headline"
                )
            ),
            list(Organisation.objects.order_by("name").values_list("name", "kind")),
        )

    result = build(scale=30, seed=5)
    assert result.people == 35 and result.organisations == 12
    first = snapshot()
    User.objects.all().delete()
    Organisation.objects.all().delete()
    build(scale=30, seed=5)
    assert snapshot() == first
    assert User.objects.filter(email="founder@example.org", is_demo=True).exists()
