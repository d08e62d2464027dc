"""Certificate authorities and certificates for the tests and the demo.

Made with ``cryptography`` alone, in memory, and written to files when a
server or a client needs them: a CA (``Authority``), a server certificate
for 127.0.0.1, user certificates (PEM, and PKCS#12 for a browser).
"""

import datetime
import ipaddress
import os
import warnings

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID
from cryptography.x509.oid import NameOID

DAY = datetime.timedelta(days=1)


def name(*attributes):
    """A Name from (oid, value) pairs, least specific first.

    ``name((NameOID.COUNTRY_NAME, 'CH'), (NameOID.COMMON_NAME, 'Alice'))``
    is ``CN=Alice,C=CH``; a list of pairs as one item is a multi-valued
    RDN.
    """
    rdns = []
    for item in attributes:
        pairs = item if isinstance(item, list) else [item]
        # Unchecked: a CN of 64 characters but more bytes, as some
        # certificates have.
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            rdns.append(x509.RelativeDistinguishedName(
                [x509.NameAttribute(oid, value, _validate=False)
                 for oid, value in pairs]))
    return x509.Name(rdns)


def _key():
    # P-256: made in a millisecond, taken by OpenSSL, NSS and browsers.
    return ec.generate_private_key(ec.SECP256R1())


def _now():
    return datetime.datetime.now(datetime.timezone.utc)


class Credential(object):
    """A certificate and its private key."""

    def __init__(self, certificate, key):
        self.certificate = certificate
        self.key = key

    @property
    def subject(self):
        return self.certificate.subject.rfc4514_string()

    @property
    def issuer(self):
        return self.certificate.issuer.rfc4514_string()

    def cert_pem(self):
        return self.certificate.public_bytes(
            serialization.Encoding.PEM).decode()

    def key_pem(self):
        return self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()).decode()

    def write(self, folder, basename):
        """Its certificate and key in FOLDER/BASENAME.pem and -key.pem.

        Returns (certificate path, key path); the key is readable by its
        owner only.
        """
        os.makedirs(folder, exist_ok=True)
        cert_path = os.path.join(folder, basename + '.pem')
        key_path = os.path.join(folder, basename + '-key.pem')
        with open(cert_path, 'w') as f:
            f.write(self.cert_pem())
        with os.fdopen(os.open(key_path, os.O_WRONLY | os.O_CREAT
                               | os.O_TRUNC, 0o600), 'w') as f:
            f.write(self.key_pem())
        return cert_path, key_path

    def write_pkcs12(self, path, password, friendly_name=None):
        """Certificate and key in a PKCS#12 file, to import in a browser."""
        data = pkcs12.serialize_key_and_certificates(
            (friendly_name or 'glint').encode(), self.key, self.certificate,
            None, serialization.BestAvailableEncryption(password.encode()))
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
                               0o600), 'wb') as f:
            f.write(data)
        return path


class Authority(Credential):
    """A certificate authority that issues server and user certificates."""

    @classmethod
    def create(cls, common_name, organization='Glint Tests', country='CH'):
        key = _key()
        subject = name((NameOID.COUNTRY_NAME, country),
                       (NameOID.ORGANIZATION_NAME, organization),
                       (NameOID.COMMON_NAME, common_name))
        certificate = (
            x509.CertificateBuilder()
            .subject_name(subject).issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(_now() - DAY)
            .not_valid_after(_now() + 365 * DAY)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0),
                           critical=True)
            .add_extension(x509.KeyUsage(
                digital_signature=True, key_cert_sign=True, crl_sign=True,
                content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False,
                encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(
                key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
        return cls(certificate, key)

    def issue(self, subject, server_ip=None, days=365):
        """A certificate for ``subject`` (a Name, or a common name).

        A server's for ``server_ip`` when given, else a user's (TLS client
        authentication).
        """
        if isinstance(subject, str):
            # Beside the CA's country and organisation.
            ca = self.certificate.subject
            subject = name(*[(oid, ca.get_attributes_for_oid(oid)[0].value)
                             for oid in (NameOID.COUNTRY_NAME,
                                         NameOID.ORGANIZATION_NAME)]
                           + [(NameOID.COMMON_NAME, subject)])
        key = _key()
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject).issuer_name(self.certificate.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(_now() - DAY)
            .not_valid_after(_now() + days * DAY)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None),
                           critical=True)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                self.key.public_key()), critical=False))
        if server_ip:
            builder = builder.add_extension(
                x509.SubjectAlternativeName(
                    [x509.IPAddress(ipaddress.ip_address(server_ip))]),
                critical=False).add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
                critical=False)
        else:
            builder = builder.add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]),
                critical=False)
        return Credential(builder.sign(self.key, hashes.SHA256()), key)


def write_bundle(path, authorities):
    """The certificates of ``authorities`` in one PEM file."""
    with open(path, 'w') as f:
        for authority in authorities:
            f.write(authority.cert_pem())
    return path
