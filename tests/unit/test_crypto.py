"""The credential key file: encryption at rest, and clear errors."""

import os
import stat

from cryptography import fernet
import pytest

from glint_service import crypto
from glint_service import exception


def test_seal_and_open(tmp_path):
    key_file = str(tmp_path / 'key')
    assert crypto.create_key_file(key_file)
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    vault = crypto.Vault.from_key_file(key_file)
    sealed = vault.seal({'password': 'hunter2'})
    assert 'hunter2' not in sealed
    assert vault.open(sealed) == {'password': 'hunter2'}


def test_create_leaves_an_existing_key_alone(tmp_path):
    key_file = str(tmp_path / 'key')
    crypto.create_key_file(key_file)
    before = open(key_file).read()
    assert not crypto.create_key_file(key_file)
    assert open(key_file).read() == before


def test_missing_key_file_is_a_clear_error(tmp_path):
    with pytest.raises(exception.KeyFileError) as raised:
        crypto.Vault.from_key_file(str(tmp_path / 'nowhere'))
    assert 'nowhere' in raised.value.detail
    assert 'glint-manage key create' in raised.value.detail


@pytest.mark.parametrize('content', [b'', b'not-a-key\n'])
def test_invalid_key_file_is_a_clear_error(tmp_path, content):
    key_file = tmp_path / 'key'
    key_file.write_bytes(content)
    with pytest.raises(exception.KeyFileError) as raised:
        crypto.Vault.from_key_file(str(key_file))
    assert str(key_file) in raised.value.detail


def test_wrong_key_is_a_clear_error_not_plaintext(tmp_path):
    first, second = str(tmp_path / 'one'), str(tmp_path / 'two')
    crypto.create_key_file(first)
    crypto.create_key_file(second)
    sealed = crypto.Vault.from_key_file(first).seal({'password': 'x'})
    with pytest.raises(exception.SecretsUnreadable) as raised:
        crypto.Vault.from_key_file(second).open(sealed)
    assert 'not the key they were encrypted with' in raised.value.detail


def test_rotation_new_key_first_old_key_still_opens(tmp_path):
    key_file = tmp_path / 'key'
    crypto.create_key_file(str(key_file))
    old = crypto.Vault.from_key_file(str(key_file))
    sealed = old.seal({'password': 'x'})
    key_file.write_bytes(fernet.Fernet.generate_key() + b'\n'
                         + key_file.read_bytes())
    rotated = crypto.Vault.from_key_file(str(key_file))
    assert rotated.open(sealed) == {'password': 'x'}
    with pytest.raises(exception.SecretsUnreadable):
        old.open(rotated.seal({'password': 'y'}))
