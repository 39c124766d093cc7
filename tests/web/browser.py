"""What the browser tests share: Chromium's path and flags, where screenshots go, signing in and out."""

from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
FA = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def login(page, base, username):
    """Sign in through the login page as a demo user."""
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "demo-only-1405")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def logout(page):
    """Sign out with the header's button."""
    page.click("header form[action='/logout/'] button")




def wait_until(page, expression: str, timeout: float = 30.0):
    """Wait until a JavaScript expression is truthy on the page.

    Playwright's wait_for_function builds its predicate with eval() inside the page, which the pages'
    Content-Security-Policy (rightly) forbids; page.evaluate runs through the debugging protocol instead."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        value = page.evaluate(expression)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout:g} s: {expression}")
        time.sleep(0.1)
