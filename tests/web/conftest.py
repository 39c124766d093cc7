"""The browser fixture: Debian's Chromium driven by Playwright."""

import os

import pytest

from .browser import CHROMIUM, FLAGS, SHOTS


@pytest.fixture
def browser(tmp_path, monkeypatch):
    # Playwright's sync API keeps an event loop in this thread; the test's own ORM reads are still plain
    # synchronous calls between browser steps (the documented setting for Playwright with Django).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "1")
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (.ci/run installs it)")
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(str(tmp_path / "profile"), executable_path=CHROMIUM,
                                                       headless=True, args=FLAGS, locale="fa-IR",
                                                       viewport={"width": 1400, "height": 900})
        yield context
        context.close()
