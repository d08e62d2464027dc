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
    sealed = vault.encrypt({'password': 'hunter2'})
    assert 'hunter2' not in sealed
    assert vault.decrypt(sealed) == {'password': 'hunter2'}


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
    key_file.chmod(0o600)
    with pytest.raises(exception.KeyFileError) as raised:
        crypto.Vault.from_key_file(str(key_file))
    assert str(key_file) in raised.value.detail
    assert 'read by others' not in raised.value.detail


@pytest.mark.parametrize('mode', [0o640, 0o604, 0o644])
def test_a_key_file_others_may_read_is_refused(tmp_path, mode):
    key_file = tmp_path / 'key'
    crypto.create_key_file(str(key_file))
    key_file.chmod(mode)
    with pytest.raises(exception.KeyFileError) as raised:
        crypto.Vault.from_key_file(str(key_file))
    assert 'may be read by others (mode %o)' % mode in raised.value.detail
    assert 'chmod 600' in raised.value.detail


def test_wrong_key_is_a_clear_error_not_plaintext(tmp_path):
    first, second = str(tmp_path / 'one'), str(tmp_path / 'two')
    crypto.create_key_file(first)
    crypto.create_key_file(second)
    sealed = crypto.Vault.from_key_file(first).encrypt({'password': 'x'})
    with pytest.raises(exception.SecretsUnreadable) as raised:
        crypto.Vault.from_key_file(second).decrypt(sealed)
    assert 'not the key they were encrypted with' in raised.value.detail


def test_rotation_new_key_first_old_key_still_opens(tmp_path):
    key_file = tmp_path / 'key'
    crypto.create_key_file(str(key_file))
    old = crypto.Vault.from_key_file(str(key_file))
    sealed = old.encrypt({'password': 'x'})
    key_file.write_bytes(fernet.Fernet.generate_key() + b'\n'
                         + key_file.read_bytes())
    rotated = crypto.Vault.from_key_file(str(key_file))
    assert rotated.decrypt(sealed) == {'password': 'x'}
    resealed = rotated.reencrypt(sealed)
    assert rotated.encrypted_with_first_key(resealed)
    assert not rotated.encrypted_with_first_key(sealed)
    # A vault of before the change reads the file again: it follows.
    assert old.decrypt(resealed) == {'password': 'x'}


def test_key_rotate_and_prune_reencrypt_every_stored_secret(conf, capsys):
    from glint_service.cmd import manage
    from glint_service.conf import database as database_conf
    from glint_service.db import api as db_api

    db = db_api.Database(database_conf.connection_url(conf))
    vault = crypto.Vault.from_key_file(conf.crypto.key_file)
    cloud = db.create_cloud({
        'project_id': 'p', 'created_by': 'u', 'name': 'c',
        'auth_url': 'https://192.0.2.1/v3', 'auth_type': 'password',
        'interface': 'public', 'verify': True, 'auth': {},
        'sealed_secrets': vault.encrypt({'password': 'hunter2'}),
        'image_endpoint': 'https://192.0.2.1:9292'})
    # A new key put first by hand, the secret not encrypted with it yet:
    # prune refuses to drop the key the secret needs.
    crypto.write_keys(conf.crypto.key_file, [crypto.new_key()] + vault.keys)
    with pytest.raises(exception.KeyFileError, match='older keys'):
        manage.key_prune(conf, None)
    crypto.write_keys(conf.crypto.key_file, vault.keys)

    manage.key_rotate(conf, None)
    assert 'secrets of 1 remote cloud(s) are encrypted' in (
        capsys.readouterr().out)
    rotated = crypto.Vault.from_key_file(conf.crypto.key_file)
    assert len(rotated.keys) == 2 and rotated.keys[1] == vault.keys[0]
    [sealed] = db.sealed_secrets()
    assert rotated.encrypted_with_first_key(sealed)
    assert db.get_cloud(cloud.id, 'p').updated_at == cloud.updated_at

    manage.key_prune(conf, None)
    pruned = crypto.Vault.from_key_file(conf.crypto.key_file)
    assert pruned.keys == rotated.keys[:1]
    assert pruned.decrypt(sealed) == {'password': 'hunter2'}
    assert stat.S_IMODE(os.stat(conf.crypto.key_file).st_mode) == 0o600


def test_a_token_of_one_purpose_is_of_no_use_for_another(tmp_path):
    key_file = str(tmp_path / 'key')
    crypto.create_key_file(key_file)
    vault = crypto.Vault.from_key_file(key_file)
    token = vault.seal({'image_id': 'i'}, 'download link')
    assert vault.unseal(token, 'download link', ttl=60) == {'image_id': 'i'}
    assert vault.unseal(token, 'something else', ttl=60) is None
    # Nor do stored credentials pass for a token, or a token for them.
    assert vault.unseal(vault.encrypt({'password': 'p'}), 'download link',
                        ttl=60) is None
    with pytest.raises(exception.SecretsUnreadable):
        vault.decrypt(token)
    for altered in (token[:-3] + 'AAA', token[:30], 'ü' + token, ''):
        assert vault.unseal(altered, 'download link', ttl=60) is None


def test_a_token_is_opened_with_any_key_of_the_file(tmp_path):
    key_file = str(tmp_path / 'key')
    crypto.create_key_file(key_file)
    old = crypto.Vault.from_key_file(key_file)
    token = old.seal({'a': 1}, 'download link')
    with open(key_file) as f:
        keys = f.read()
    with open(key_file, 'w') as f:
        f.write(fernet.Fernet.generate_key().decode() + '\n' + keys)
    assert crypto.Vault.from_key_file(key_file).unseal(
        token, 'download link', ttl=60) == {'a': 1}
