"""The settings cache is keyed by every variable ``get_settings`` reads: a variable added to
``config.py`` and not to ``SETTING_NAMES`` would be missed by a cached lookup."""

from __future__ import annotations

import re
from pathlib import Path

from runtime import config


def test_setting_names_list_every_variable_config_reads() -> None:
    source = Path(config.__file__).read_text(encoding="utf-8")
    read = set(re.findall(r'environ(?:\.get)?\(\s*"(HSRUN_[A-Z_]+)"', source))
    read |= set(re.findall(r'environ\[\s*"(HSRUN_[A-Z_]+)"', source))
    assert read
    assert read <= set(config.SETTING_NAMES)
