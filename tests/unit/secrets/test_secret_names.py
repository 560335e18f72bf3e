from __future__ import annotations

import pytest

from runtime.errors import SecretNameError
from runtime.secrets.names import check_name


@pytest.mark.parametrize("name", ["TEST_SECRET", "apiKey", "_private", "A1", "x"])
def test_environment_variable_names_are_accepted(name: str) -> None:
    assert check_name(name) == name


@pytest.mark.parametrize("name", ["", "1TOKEN", "MY-TOKEN", "MY TOKEN", "TOKÉN", "TOKEN\n", "a.b"])
def test_other_names_are_rejected_with_the_rule(name: str) -> None:
    with pytest.raises(SecretNameError) as info:
        check_name(name)
    assert "letters, digits and underscores, not starting with a digit" in str(info.value)
    assert repr(name) in str(info.value)
