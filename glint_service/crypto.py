"""Encryption at rest of remote cloud credentials (Fernet keys in a file).

The key file holds one Fernet key per line: the first encrypts, every one of
them decrypts, so a new key can be put first and the old ones kept until the
stored secrets are re-encrypted (``glint-manage key rotate``, then ``key
prune``). A Vault reads the file again when it changes, so that running
services follow a rotation. There is no plaintext fallback: without a valid
key, or with a key file that others may read, Glint does not start.
"""

import base64
import json
import os
import tempfile

from cryptography import fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf import hkdf

from glint_service import exception


class Vault(object):

    def __init__(self, keys, key_file):
        self._fernet = fernet.MultiFernet([fernet.Fernet(k) for k in keys])
        self.keys = list(keys)
        self.key_file = key_file
        self._version = _file_version(key_file)

    @classmethod
    def from_key_file(cls, key_file):
        keys = read_keys(key_file)
        try:
            return cls(keys, key_file)
        except ValueError:
            raise exception.KeyFileError(
                '[crypto] key_file %s holds something that is not a Fernet '
                'key (32 url-safe base64-encoded bytes per line).' % key_file)

    def _current(self):
        """The keys of the key file as it is now (re-read if it changed)."""
        if _file_version(self.key_file) != self._version:
            fresh = Vault.from_key_file(self.key_file)
            self._fernet, self.keys, self._version = (
                fresh._fernet, fresh.keys, fresh._version)
        return self._fernet

    def encrypt(self, secrets):
        """Encrypt a dict of secrets into text for the database."""
        return self._current().encrypt(
            json.dumps(secrets).encode('utf-8')).decode('ascii')

    def decrypt(self, sealed):
        """The dict of secrets that :meth:`encrypt` encrypted."""
        try:
            return json.loads(self._current().decrypt(
                sealed.encode('ascii')))
        except fernet.InvalidToken:
            raise exception.SecretsUnreadable(
                'Stored credentials cannot be decrypted with the keys in '
                '[crypto] key_file %s: it is not the key they were '
                'encrypted with.' % self.key_file)

    def reencrypt(self, sealed):
        """The same secrets, encrypted with the first key."""
        try:
            return self._current().rotate(sealed.encode('ascii')).decode(
                'ascii')
        except fernet.InvalidToken:
            raise exception.SecretsUnreadable(
                'Stored credentials cannot be decrypted with the keys in '
                '[crypto] key_file %s.' % self.key_file)

    def seal(self, payload, purpose):
        """A token that holds ``payload`` (a dict), for ``purpose`` only.

        Encrypted and authenticated with keys derived from the key file's
        for that purpose: a token of one purpose, or stored credentials,
        never pass for another's.
        """
        return self._for(purpose).encrypt(
            json.dumps(payload).encode('utf-8')).decode('ascii')

    def unseal(self, token, purpose, ttl):
        """The payload of a token of ``purpose``, or None.

        None for a token altered, made more than ``ttl`` seconds ago, of
        another purpose, or with another key.
        """
        try:
            return json.loads(self._for(purpose).decrypt(
                token.encode('ascii'), ttl=ttl))
        except (fernet.InvalidToken, UnicodeError, ValueError):
            return None

    def _for(self, purpose):
        self._current()
        return fernet.MultiFernet([
            fernet.Fernet(_derived(key, purpose)) for key in self.keys])

    def encrypted_with_first_key(self, sealed):
        try:
            fernet.Fernet(self.keys[0]).decrypt(sealed.encode('ascii'))
            return True
        except fernet.InvalidToken:
            return False


def _derived(key, purpose):
    """A Fernet key for ``purpose``, derived from ``key`` (HKDF-SHA256)."""
    derived = hkdf.HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                        info=purpose.encode('utf-8')).derive(
        base64.urlsafe_b64decode(key))
    return base64.urlsafe_b64encode(derived)


def _file_version(path):
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return (stat.st_ino, stat.st_mtime_ns, stat.st_size)


def read_keys(key_file):
    """The keys of a key file that only its owner may read."""
    try:
        with open(key_file, 'rb') as f:
            mode = os.fstat(f.fileno()).st_mode
            keys = f.read().split()
    except OSError as error:
        raise exception.KeyFileError(
            '[crypto] key_file %s cannot be read (%s); create it with '
            '"glint-manage key create".' % (key_file, error.strerror))
    if mode & 0o077:
        raise exception.KeyFileError(
            '[crypto] key_file %s may be read by others (mode %o): make it '
            'readable by its owner only (chmod 600).'
            % (key_file, mode & 0o777))
    if not keys:
        raise exception.KeyFileError(
            '[crypto] key_file %s holds no key.' % key_file)
    return keys


def write_keys(key_file, keys):
    """Replace the key file's keys, at once, readable by its owner only."""
    directory = os.path.dirname(os.path.abspath(key_file))
    fd, path = tempfile.mkstemp(dir=directory, prefix='.glint-key-')
    try:
        with os.fdopen(fd, 'wb') as f:
            f.write(b''.join(key + b'\n' for key in keys))
        os.replace(path, key_file)
    except BaseException:
        os.unlink(path)
        raise


def new_key():
    return fernet.Fernet.generate_key()


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
        f.write(new_key() + b'\n')
    return True
