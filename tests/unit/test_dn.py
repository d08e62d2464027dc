"""DNs read in every spelling, and written as each TLS front writes them.

The spellings of mod_ssl and nginx are checked against OpenSSL's own
functions (X509_NAME_print_ex with their flags, X509_NAME_oneline), called
through ctypes on certificates made here: what those servers call.
"""

import ctypes
import ctypes.util

from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID
from cryptography.x509.oid import ObjectIdentifier
import pytest

from glint_service import dn
from glint_service import exception
from tests import pki

# OpenSSL's flags (openssl/asn1.h, openssl/x509.h).
ASN1_STRFLGS_ESC_MSB = 0x4
ASN1_STRFLGS_RFC2253 = 0x1 | 0x2 | 0x4 | 0x10 | 0x100 | 0x200
XN_FLAG_RFC2253 = (ASN1_STRFLGS_RFC2253 | 1 << 16 | 1 << 20 | 1 << 24)
# mod_ssl's SSL_CLIENT_S_DN (ssl_engine_vars.c) and nginx's
# $ssl_client_s_dn (ngx_event_openssl.c).
MOD_SSL = XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB
NGINX = XN_FLAG_RFC2253
BIO_CTRL_INFO = 3


class OpenSSL(object):
    """The few libcrypto functions mod_ssl and nginx write DNs with."""

    def __init__(self):
        lib = ctypes.CDLL(ctypes.util.find_library('crypto'))
        lib.d2i_X509.restype = ctypes.c_void_p
        lib.d2i_X509.argtypes = [ctypes.c_void_p,
                                 ctypes.POINTER(ctypes.c_char_p),
                                 ctypes.c_long]
        lib.X509_get_subject_name.restype = ctypes.c_void_p
        lib.X509_get_subject_name.argtypes = [ctypes.c_void_p]
        lib.X509_NAME_oneline.restype = ctypes.c_void_p
        lib.X509_NAME_oneline.argtypes = [ctypes.c_void_p, ctypes.c_char_p,
                                          ctypes.c_int]
        lib.BIO_s_mem.restype = ctypes.c_void_p
        lib.BIO_new.restype = ctypes.c_void_p
        lib.BIO_new.argtypes = [ctypes.c_void_p]
        lib.BIO_ctrl.restype = ctypes.c_long
        lib.BIO_ctrl.argtypes = [ctypes.c_void_p, ctypes.c_int,
                                 ctypes.c_long, ctypes.c_void_p]
        lib.BIO_free.argtypes = [ctypes.c_void_p]
        lib.X509_NAME_print_ex.argtypes = [ctypes.c_void_p, ctypes.c_void_p,
                                           ctypes.c_int, ctypes.c_ulong]
        lib.X509_free.argtypes = [ctypes.c_void_p]
        lib.CRYPTO_free.argtypes = [ctypes.c_void_p, ctypes.c_char_p,
                                    ctypes.c_int]
        self.lib = lib

    def _subject(self, certificate, write):
        der = certificate.public_bytes(serialization.Encoding.DER)
        pointer = ctypes.c_char_p(der)
        x509 = self.lib.d2i_X509(None, ctypes.byref(pointer), len(der))
        assert x509
        try:
            return write(self.lib.X509_get_subject_name(x509))
        finally:
            self.lib.X509_free(x509)

    def print_ex(self, certificate, flags):
        def write(name):
            bio = self.lib.BIO_new(self.lib.BIO_s_mem())
            try:
                assert self.lib.X509_NAME_print_ex(bio, name, 0, flags) >= 0
                data = ctypes.c_char_p()
                size = self.lib.BIO_ctrl(bio, BIO_CTRL_INFO, 0,
                                         ctypes.byref(data))
                return ctypes.string_at(data, size).decode('utf-8')
            finally:
                self.lib.BIO_free(bio)
        return self._subject(certificate, write)

    def oneline(self, certificate):
        def write(name):
            text = self.lib.X509_NAME_oneline(name, None, 0)
            try:
                return ctypes.string_at(text).decode('utf-8')
            finally:
                self.lib.CRYPTO_free(text, None, 0)
        return self._subject(certificate, write)


@pytest.fixture(scope='module')
def openssl():
    return OpenSSL()


@pytest.fixture(scope='module')
def ca():
    return pki.Authority.create('Test CA')


C, O, OU, CN = (NameOID.COUNTRY_NAME, NameOID.ORGANIZATION_NAME,
                NameOID.ORGANIZATIONAL_UNIT_NAME, NameOID.COMMON_NAME)
DC, UID, EMAIL = (NameOID.DOMAIN_COMPONENT, NameOID.USER_ID,
                  NameOID.EMAIL_ADDRESS)

# Subjects as certificates hold them, least specific first.
SUBJECTS = {
    'plain': [(C, 'CH'), (O, 'Grid'), (CN, 'Alice')],
    'grid': [(DC, 'ch'), (DC, 'cern'), (OU, 'Organic Units'),
             (OU, 'Users'), (CN, 'alice'), (CN, '123456'),
             (CN, 'Alice Smith')],
    'email': [(C, 'CH'), (O, 'Grid'), (CN, 'Alice'),
              (EMAIL, 'alice@example.org')],
    'specials': [(C, 'CH'), (O, 'Grid, Inc.'), (OU, 'a+b;c<d>e"f\\g=h '),
                 (CN, '#1 Alice')],
    'non-ascii': [(C, 'CH'), (O, 'Universität Zürich'),
                  (CN, 'Łukasz Żółć')],
    'host': [(C, 'CH'), (O, 'Grid'), (CN, 'host/foo.example.org')],
    # 64 characters, more than 64 bytes: cryptography makes it only when
    # told not to check, but certificates have such names.
    'long': [(C, 'CH'), (O, 'Grid'), (CN, 'Żółć ' * 12 + 'Ąęść')],
    'multi-valued': [(C, 'CH'), [(O, 'Grid'), (OU, 'Users')],
                     [(CN, 'Alice'), (UID, 'alice')]],
    'unknown oid': [(C, 'CH'),
                    (ObjectIdentifier('1.3.6.1.4.1.99999.1'), 'x y'),
                    (CN, 'Alice')],
}


@pytest.fixture(scope='module', params=sorted(SUBJECTS))
def user(request, ca):
    return ca.issue(pki.name(*SUBJECTS[request.param]))


def test_canonical_is_what_cryptography_writes(user):
    subject, issuer = dn.of_certificate(user.certificate)
    assert subject == user.certificate.subject.rfc4514_string()
    assert issuer == 'CN=Test CA,O=Glint Tests,C=CH'
    assert dn.of_certificate(user.cert_pem()) == (subject, issuer)


def test_forms_hold_what_mod_ssl_and_nginx_write(user, openssl):
    canonical = user.certificate.subject.rfc4514_string()
    written = {
        'mod_ssl': openssl.print_ex(user.certificate, MOD_SSL),
        'nginx': openssl.print_ex(user.certificate, NGINX),
        'legacy': openssl.oneline(user.certificate),
    }
    forms = dn.forms(canonical)
    assert forms[0] == canonical
    assert len(set(forms)) == len(forms)
    for front, text in written.items():
        assert text in forms, front
        # And each of them reads back as the same DN.
        assert dn.normalise(text) == canonical, front
    # Beside them, at most the oneline form of OpenSSL before 3.0.
    old = dn.openssl_oneline(user.certificate.subject, escape=False)
    assert set(forms) - set(written.values()) - {canonical} <= {old}


def test_oneline_forms_of_openssl_3_and_before(ca, openssl):
    user = ca.issue(pki.name(*SUBJECTS['multi-valued']))
    assert openssl.oneline(user.certificate) == (
        '/C=CH/O=Grid+OU=Users/CN=Alice+UID=alice')
    # Before OpenSSL 3, each attribute after its own "/": read back, they
    # are RDNs of their own (another DN, which no certificate here has).
    old = dn.openssl_oneline(user.certificate.subject, escape=False)
    assert old == '/C=CH/O=Grid/OU=Users/CN=Alice/UID=alice'
    assert dn.normalise(old) == 'UID=alice,CN=Alice,OU=Users,O=Grid,C=CH'
    host = ca.issue(pki.name(*SUBJECTS['host']))
    assert openssl.oneline(host.certificate) == (
        '/C=CH/O=Grid/CN=host\\/foo.example.org')
    assert dn.openssl_oneline(host.certificate.subject, escape=False) == (
        '/C=CH/O=Grid/CN=host/foo.example.org')


def test_forms_of_a_plain_dn():
    assert dn.forms('/C=CH/O=Grid/CN=Alice') == [
        'CN=Alice,O=Grid,C=CH', '/C=CH/O=Grid/CN=Alice']
    assert dn.forms('emailAddress=a@b.org,CN=Zoë,C=CH') == [
        '1.2.840.113549.1.9.1=a@b.org,CN=Zoë,C=CH',
        'emailAddress=a@b.org,CN=Zoë,C=CH',
        'emailAddress=a@b.org,CN=Zo\\C3\\AB,C=CH',
        '/C=CH/CN=Zo\\xC3\\xAB/emailAddress=a@b.org']
    assert dn.forms('CN=host/x,O=a\\+b') == [
        'CN=host/x,O=a\\+b', '/O=a\\+b/CN=host\\/x', '/O=a+b/CN=host/x']


@pytest.mark.parametrize('text', [
    'CN=Alice,O=Grid,C=CH',
    'CN=Alice, O=Grid, C=CH',
    ' cn = Alice ,o= Grid ;C=CH ',
    'commonName=Alice,organizationName=Grid,countryName=CH',
    '/C=CH/O=Grid/CN=Alice',
    '/c=CH/ o=Grid/CN=Alice',
    'subject=C = CH, O = Grid, CN = Alice',
    'subject= /C=CH/O=Grid/CN=Alice',
    'CN="Alice",O=Grid,C=CH',
    'CN=#0C05416C696365,O=Grid,C=CH',
    'CN=\\41lice,O=Grid,C=CH',
    '2.5.4.3=Alice,OID.2.5.4.10=Grid,C=CH',
])
def test_spellings_of_one_dn(text):
    assert dn.normalise(text) == 'CN=Alice,O=Grid,C=CH'


@pytest.mark.parametrize('text, canonical', [
    ('E=alice@example.org,CN=Alice',
     '1.2.840.113549.1.9.1=alice@example.org,CN=Alice'),
    ('/CN=Alice/Email=alice@example.org',
     '1.2.840.113549.1.9.1=alice@example.org,CN=Alice'),
    ('CN=Zo\\C3\\AB,C=CH', 'CN=Zoë,C=CH'),
    ('/C=CH/CN=Zo\\xC3\\xAB', 'CN=Zoë,C=CH'),
    ('CN="Smith, Alice",O=Grid', 'CN=Smith\\, Alice,O=Grid'),
    ('CN=\\ lead\\ ,O=Grid', 'CN=\\ lead\\ ,O=Grid'),
    ('CN=a\\,b\\+c\\;d\\"e\\\\f,O=Grid', 'CN=a\\,b\\+c\\;d\\"e\\\\f,O=Grid'),
    ('/DC=org/DC=example/CN=host/foo.example.org',
     'CN=host/foo.example.org,DC=example,DC=org'),
    # A multi-valued RDN in its DER order, whatever the order written.
    ('CN=Alice+UID=alice,O=Grid', 'CN=Alice+UID=alice,O=Grid'),
    ('UID=alice+CN=Alice,O=Grid', 'CN=Alice+UID=alice,O=Grid'),
    ('/O=Grid/UID=alice+CN=Alice', 'CN=Alice+UID=alice,O=Grid'),
    # OpenSSL 3's oneline escapes; and its predecessors' plain slashes.
    ('/O=Grid/CN=host\\/foo\\+bar', 'CN=host/foo\\+bar,O=Grid'),
    ('/O=Grid/CN=host/foo+bar', 'CN=host/foo\\+bar,O=Grid'),
])
def test_normalise(text, canonical):
    assert dn.normalise(text) == canonical
    # The canonical form is a fixed point.
    assert dn.normalise(canonical) == canonical
    assert dn.forms(text)[0] == canonical


@pytest.mark.parametrize('text, reason', [
    ('', 'it is empty'),
    ('   ', 'it is empty'),
    ('Alice', 'expected "type=value"'),
    ('CN=Alice,', 'it ends with a separator'),
    ('CN=Alice,,O=Grid', 'is not an attribute type'),
    ('=Alice', 'no attribute type'),
    ('CN=,O=Grid', 'CN has no value'),
    ('XYZ=Alice', "unknown attribute type 'XYZ'"),
    ('CN=Alice\nO=Grid', 'not printable'),
    ('CN=Alice\tSmith', 'not printable'),
    ('CN=a\\00b', 'not printable'),
    ('CN=\\C3', 'not UTF-8'),
    ('CN=Alice\\', 'lone "\\"'),
    ('CN="Alice', 'not closed'),
    ('CN="Alice"x', 'expected "," or "+"'),
    ('CN=#zz', 'not hex'),
    ('CN=#0403414243', 'not a string'),
    ('C=Switzerland', 'C=Switzerland: a country is a two-letter code'),
    ('/C=CH/', 'it ends with a separator'),
    ('/', 'it ends with a separator'),
    ('/CN', 'expected "/type=value"'),
    ('/C=CH/CN=', 'CN has no value'),
])
def test_bad_dns(text, reason):
    with pytest.raises(exception.InvalidDN) as raised:
        dn.normalise(text, field='issuer')
    assert raised.value.status == 400
    assert raised.value.detail.startswith(
        'issuer: not a distinguished name (DN): ')
    assert reason in raised.value.detail
    with pytest.raises(exception.InvalidDN):
        dn.forms(text)


def test_not_text():
    with pytest.raises(exception.InvalidDN):
        dn.normalise(None)
    with pytest.raises(exception.InvalidDN):
        dn.normalise(b'CN=Alice')


def test_not_a_certificate():
    with pytest.raises(exception.InvalidField) as raised:
        dn.of_certificate('-----BEGIN CERTIFICATE-----\nnope\n')
    assert 'certificate' in raised.value.detail


def test_common_name():
    assert dn.common_name('/DC=ch/CN=alice/CN=Alice Smith') == 'Alice Smith'
    assert dn.common_name('O=Grid,C=CH') is None
