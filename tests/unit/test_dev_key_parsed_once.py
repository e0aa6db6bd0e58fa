"""The development signing key is parsed once per content of its file, not at every service
app built or token issued (parsing checks the RSA key: a good part of a second on a loaded
machine); a key replaced in the file is the one used from then on."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization

from shared.auth import devissuer
from shared.settings import Settings


def test_the_dev_key_is_parsed_once_per_content(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings.for_service("religion", data_dir=tmp_path,
                                    database_url=f"sqlite:///{tmp_path / 'unused.db'}")
    parsed: list[bytes] = []
    real = serialization.load_pem_private_key

    def counting(data: bytes, *args: Any, **kwargs: Any) -> Any:
        parsed.append(data)
        return real(data, *args, **kwargs)

    monkeypatch.setattr(serialization, "load_pem_private_key", counting)
    first = devissuer.dev_trusted_key(settings)
    again = devissuer.dev_trusted_key(settings)
    devissuer.issue_dev_token(settings, subject="a", scopes=["religion:read"], unit_scope="315")
    assert len(parsed) == 1
    assert again.key.public_numbers() == first.key.public_numbers()

    # Another key in the file (a developer removed var/dev-jwt/): it is read, and trusted.
    devissuer.private_key_path(settings).unlink()
    replaced = devissuer.dev_trusted_key(settings)
    assert len(parsed) == 2
    assert replaced.key.public_numbers() != first.key.public_numbers()
    assert devissuer.is_dev_public_key(settings, replaced.key)
