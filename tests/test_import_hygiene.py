"""The core and the importers never load the terminal UI toolkit."""

from __future__ import annotations

import subprocess
import sys


def test_core_and_importers_do_not_import_textual() -> None:
    code = (
        "import sys, pkgutil, importlib, estate, importers\n"
        "for package in (estate, importers):\n"
        "    for module in pkgutil.walk_packages(package.__path__, package.__name__ + '.'):\n"
        "        importlib.import_module(module.name)\n"
        "loaded = [m for m in sys.modules if m == 'textual' or m.startswith(('textual.', 'tui'))]\n"
        "print(','.join(loaded))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
