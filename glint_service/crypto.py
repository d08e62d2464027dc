"""Encryption at rest of remote cloud credentials (Fernet keys in a file).

The key file holds one Fernet key per line: the first encrypts, every one of
them decrypts, so a new key can be put first and the old ones kept until the
stored secrets are re-encrypted. There is no plaintext fallback: without a
valid key Glint does not start.
"""

import json
import os

from cryptography import fernet

from glint_service import exception


class Vault(object):

    def __init__(self, keys, key_file):
        self._fernet = fernet.MultiFernet([fernet.Fernet(k) for k in keys])
        self.key_file = key_file

    @classmethod
    def from_key_file(cls, key_file):
        try:
            with open(key_file, 'rb') as f:
                lines = f.read().split()
        except OSError as error:
            raise exception.KeyFileError(
                '[crypto] key_file %s cannot be read (%s); create it with '
                '"glint-manage key create".' % (key_file, error.strerror))
        if not lines:
            raise exception.KeyFileError(
                '[crypto] key_file %s holds no key.' % key_file)
        try:
            return cls(lines, key_file)
        except ValueError:
            raise exception.KeyFileError(
                '[crypto] key_file %s holds something that is not a Fernet '
                'key (32 url-safe base64-encoded bytes per line).' % key_file)

    def seal(self, secrets):
        """Encrypt a dict of secrets into text for the database."""
        return self._fernet.encrypt(
            json.dumps(secrets).encode('utf-8')).decode('ascii')

    def open(self, sealed):
        """The dict of secrets that :meth:`seal` encrypted."""
        try:
            return json.loads(self._fernet.decrypt(sealed.encode('ascii')))
        except fernet.InvalidToken:
            raise exception.SecretsUnreadable(
                'Stored credentials cannot be decrypted with the keys in '
                '[crypto] key_file %s: it is not the key they were '
                'encrypted with.' % self.key_file)


def create_key_file(key_file):
    """Write a new key file, readable by its owner only.

    Returns False, and leaves the file alone, if it exists already.
    """
    directory = os.path.dirname(os.path.abspath(key_file))
    os.makedirs(directory, exist_ok=True)
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, 'wb') as f:
        f.write(fernet.Fernet.generate_key() + b'\n')
    return True
