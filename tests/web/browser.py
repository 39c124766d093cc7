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


