"""Shared fixtures: fast test settings, and a Chromium browser for the browser tests."""

import os
import shutil

import pytest
from django.utils import translation

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(autouse=True)
def _fast_test_settings(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _english_messages_outside_requests():
    """Messages raised in the test itself (validation errors, command output) are English msgids.

    Pages fetched with the test client or a browser still get the language LocaleMiddleware picks
    (Vietnamese unless the request asks for English); the override is restored after each test.
    """
    with translation.override("en"):
        yield


@pytest.fixture(scope="session")
def browser_type_launch_args():
    """Debian's Chromium, never a downloaded browser build."""
    if CHROMIUM is None:
        pytest.skip("Browser test skipped: Chromium is not installed (apt-get install -y chromium).")
    # Playwright's sync API runs an event loop in the test thread; Django's ORM must allow it.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    return {
        "executable_path": CHROMIUM,
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args():
    return {"locale": "vi-VN"}
