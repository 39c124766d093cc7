"""Issue 27 item 8: the layers kept by import-linter in the suite — core, agencies, citymap, sms, then the domain
apps (which never import each other), then the pages and the worker. The imports the contract still ignores are
the debts DESIGN.md lists, each named with the item that pays it: their number may fall, never rise."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEBTS_AT_MOST = 2


def test_no_lower_layer_imports_a_higher_one():
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run([str(lint), str(ROOT / ".importlinter")], cwd=ROOT / "src", capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "1 kept, 0 broken" in done.stdout


def test_the_debts_only_shrink():
    config = (ROOT / ".importlinter").read_text(encoding="utf-8")
    ignored = re.findall(r"^\s+panjereh\.\S+ -> panjereh\.\S+$", config, flags=re.M)
    assert len(ignored) <= DEBTS_AT_MOST, "an upward import was added to the ignore list: pay it instead"
