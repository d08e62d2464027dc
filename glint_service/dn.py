"""Distinguished names (DNs) of X.509 certificates, as text.

One DN has many spellings: RFC 4514 strings (``CN=Alice,O=Grid,C=CH``,
most specific first), what OpenSSL writes for mod_ssl and nginx (the same
order, but its own attribute names, such as ``emailAddress``, and nginx
escapes non-ASCII bytes), and the OpenSSL "oneline" form grid users write
(``/C=CH/O=Grid/CN=Alice``, least specific first). Keystone compares them
as strings, so Glint reads any of them once, here (``normalise``), keeps
the canonical form (what ``cryptography`` writes: what the TLS front of the
tests hands Keystone), and lists every spelling a TLS front may hand
Keystone for a DN (``forms``) wherever Keystone must match it.
"""

import re
import warnings

from cryptography import x509
from cryptography.x509.oid import NameOID
from cryptography.x509.oid import ObjectIdentifier

from glint_service import exception

# OpenSSL's short names of attribute types (OBJ_nid2sn), which mod_ssl and
# nginx write; an OID it has no name for, it writes dotted.
OPENSSL_NAMES = {
    NameOID.COMMON_NAME: 'CN',
    NameOID.COUNTRY_NAME: 'C',
    NameOID.LOCALITY_NAME: 'L',
    NameOID.STATE_OR_PROVINCE_NAME: 'ST',
    NameOID.ORGANIZATION_NAME: 'O',
    NameOID.ORGANIZATIONAL_UNIT_NAME: 'OU',
    NameOID.STREET_ADDRESS: 'street',
    NameOID.DOMAIN_COMPONENT: 'DC',
    NameOID.USER_ID: 'UID',
    NameOID.EMAIL_ADDRESS: 'emailAddress',
    NameOID.SERIAL_NUMBER: 'serialNumber',
    NameOID.SURNAME: 'SN',
    NameOID.GIVEN_NAME: 'GN',
    NameOID.TITLE: 'title',
    NameOID.POSTAL_CODE: 'postalCode',
    NameOID.INITIALS: 'initials',
    NameOID.GENERATION_QUALIFIER: 'generationQualifier',
    NameOID.DN_QUALIFIER: 'dnQualifier',
    NameOID.PSEUDONYM: 'pseudonym',
    NameOID.BUSINESS_CATEGORY: 'businessCategory',
    NameOID.POSTAL_ADDRESS: 'postalAddress',
    NameOID.UNSTRUCTURED_NAME: 'unstructuredName',
    NameOID.ORGANIZATION_IDENTIFIER: 'organizationIdentifier',
    NameOID.JURISDICTION_COUNTRY_NAME: 'jurisdictionC',
    NameOID.JURISDICTION_STATE_OR_PROVINCE_NAME: 'jurisdictionST',
    NameOID.JURISDICTION_LOCALITY_NAME: 'jurisdictionL',
}

COUNTRIES = (NameOID.COUNTRY_NAME, NameOID.JURISDICTION_COUNTRY_NAME)

# Attribute type names read, in lower case: OpenSSL's, RFC 4519's long
# names, and the usual others (E, Email: Windows and Java; S: Windows).
TYPES = dict((name.lower(), oid) for oid, name in OPENSSL_NAMES.items())
TYPES.update({
    'commonname': NameOID.COMMON_NAME,
    'countryname': NameOID.COUNTRY_NAME,
    'localityname': NameOID.LOCALITY_NAME,
    'stateorprovincename': NameOID.STATE_OR_PROVINCE_NAME,
    's': NameOID.STATE_OR_PROVINCE_NAME,
    'organizationname': NameOID.ORGANIZATION_NAME,
    'organizationalunitname': NameOID.ORGANIZATIONAL_UNIT_NAME,
    'streetaddress': NameOID.STREET_ADDRESS,
    'domaincomponent': NameOID.DOMAIN_COMPONENT,
    'userid': NameOID.USER_ID,
    'e': NameOID.EMAIL_ADDRESS,
    'email': NameOID.EMAIL_ADDRESS,
    'surname': NameOID.SURNAME,
    'givenname': NameOID.GIVEN_NAME,
})

_TYPE = re.compile(r'([A-Za-z][A-Za-z0-9-]*|(?:OID\.)?[0-9]+(?:\.[0-9]+)+)$',
                   re.IGNORECASE)
# Where the oneline form's next RDN starts: a slash before "type=", and
# the next attribute of a multi-valued RDN: a "+" before it (OpenSSL 3
# escapes a "/" or "+" in a value; earlier ones wrote them as they are).
_NEXT_TYPE = r'(?=\s*(?:[A-Za-z][A-Za-z0-9-]*|[0-9]+(?:\.[0-9]+)+)\s*=)'
_ONELINE_RDN = re.compile(r'(?<!\\)/' + _NEXT_TYPE)
_ONELINE_AVA = re.compile(r'(?<!\\)\+' + _NEXT_TYPE)
_ONELINE_ESCAPE = re.compile(rb'\\(x[0-9A-Fa-f]{2}|[/+])')
# What "openssl x509 -subject" (or -issuer) prints before the DN.
_OPENSSL_PREFIX = re.compile(r'(subject|issuer)\s*=\s*', re.IGNORECASE)
# Escaped in an RFC 4514 value, wherever it is.
_SPECIAL = ',+"\\<>;'
# ASN.1 tags of the string types a "#hex" value may hold, and their codec.
_STRING_TAGS = {0x0c: 'utf-8', 0x13: 'ascii', 0x16: 'ascii',
                0x14: 'latin-1', 0x1e: 'utf-16-be', 0x1c: 'utf-32-be'}


def normalise(text, field='dn'):
    """The canonical form of the DN ``text``: RFC 4514, as cryptography.

    Reads RFC 4514 and RFC 2253 strings (``CN=Alice,O=Grid,C=CH``), the
    OpenSSL oneline form (``/C=CH/O=Grid/CN=Alice``) and what ``openssl
    x509 -subject`` prints (``subject=C = CH, O = Grid, CN = Alice``).
    Raises InvalidDN, naming ``field``, for anything else.
    """
    return parse(text, field).rfc4514_string()


def forms(text, field='dn'):
    """Every string a TLS front may hand Keystone for the DN ``text``.

    The canonical form first (cryptography's RFC 4514), then mod_ssl's
    (OpenSSL's RFC 2253), nginx's $ssl_client_s_dn (the same with
    non-ASCII bytes escaped), and the oneline forms of mod_ssl's
    LegacyDNStringFormat and nginx's $ssl_client_s_dn_legacy (OpenSSL 3's
    and its predecessors'); no duplicates.
    """
    name = parse(text, field)
    found = []
    for form in (name.rfc4514_string(), openssl_rfc2253(name),
                 openssl_rfc2253(name, escape_non_ascii=True),
                 openssl_oneline(name), openssl_oneline(name, escape=False)):
        if form not in found:
            found.append(form)
    return found


def of_certificate(pem_or_cert):
    """The canonical subject and issuer DNs of a certificate.

    ``pem_or_cert``: its PEM (bytes or text), or a cryptography
    certificate.
    """
    certificate = pem_or_cert
    if not isinstance(certificate, x509.Certificate):
        data = certificate.encode() if isinstance(certificate, str) else (
            certificate)
        try:
            certificate = x509.load_pem_x509_certificate(data)
        except ValueError:
            raise exception.InvalidField(
                'certificate', 'not a PEM certificate')
    with warnings.catch_warnings():
        # cryptography's about a CN of more than 64 bytes (see _attribute).
        warnings.simplefilter('ignore')
        subject = certificate.subject.rfc4514_string()
        issuer = certificate.issuer.rfc4514_string()
    return normalise(subject, 'subject'), normalise(issuer, 'issuer')


def common_name(text):
    """The most specific common name of a DN, or None."""
    for rdn in reversed(parse(text).rdns):
        for attribute in rdn:
            if attribute.oid == NameOID.COMMON_NAME:
                return attribute.value
    return None


def parse(text, field='dn'):
    """The cryptography Name of the DN ``text`` (see normalise)."""
    if not isinstance(text, str):
        raise exception.InvalidDN(field, 'a DN is text')
    text = text.strip()
    if not text:
        raise exception.InvalidDN(field, 'it is empty')
    if not text.isprintable():
        raise exception.InvalidDN(
            field, 'it holds a character that is not printable (a control '
                   'character, a line break or a tab, for instance)')
    prefix = _OPENSSL_PREFIX.match(text)
    if prefix:
        # openssl x509 -subject: least specific first.
        text = text[prefix.end():].strip()
        if text.startswith('/'):
            rdns = _oneline_rdns(text, field)
        else:
            rdns = _rfc4514_rdns(text, field)
    elif text.startswith('/'):
        rdns = _oneline_rdns(text, field)
    else:
        rdns = list(reversed(_rfc4514_rdns(text, field)))
    # ``rdns``: least specific first, as in a certificate.
    return x509.Name([x509.RelativeDistinguishedName(_der_order([
        _attribute(oid, value, field) for oid, value in rdn]))
        for rdn in rdns])


def _attribute(oid, value, field):
    if oid in COUNTRIES and len(value) != 2:
        raise exception.InvalidDN(field, '%s=%s: a country is a two-letter '
                                         'code' % (OPENSSL_NAMES[oid], value))
    # cryptography would refuse, say, a CN of more than 64 bytes (not
    # characters: 33 letters with accents): certificates have them.
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        return x509.NameAttribute(oid, value, _validate=False)


def _der_order(attributes):
    """The attributes of a multi-valued RDN in their DER (SET OF) order.

    A certificate holds them so, and cryptography writes them in the order
    it holds them.
    """
    if len(attributes) < 2:
        return attributes
    return sorted(attributes, key=_der_of_attribute)


def _der_of_attribute(attribute):
    name = x509.Name([x509.RelativeDistinguishedName([attribute])])
    # SEQUENCE { SET { the attribute's SEQUENCE } }
    return _der_contents(_der_contents(name.public_bytes()))


def _der_contents(der):
    """What a DER element holds (its tag and length skipped)."""
    length = der[1]
    start = 2
    if length & 0x80:
        start = 2 + (length & 0x7f)
    return der[start:]


def _type(name, field):
    if not _TYPE.match(name):
        raise exception.InvalidDN(
            field, 'no attribute type before "=" (such as CN)' if not name
            else '%r is not an attribute type' % name)
    oid = TYPES.get(name.lower())
    if oid is not None:
        return oid
    if name[0].isdigit() or name.lower().startswith('oid.'):
        dotted = name[4:] if name.lower().startswith('oid.') else name
        try:
            return ObjectIdentifier(dotted)
        except ValueError:
            pass
    raise exception.InvalidDN(field, 'unknown attribute type %r' % name)


def _rfc4514_rdns(text, field):
    """The RDNs of an RFC 4514 string, as written: [[(oid, value)]]."""
    rdns = [[]]
    i, end = 0, len(text)
    while True:
        equals = text.find('=', i)
        if equals < 0:
            raise exception.InvalidDN(
                field, 'expected "type=value" at %r' % text[i:i + 20])
        oid = _type(text[i:equals].strip(), field)
        value, i = _rfc4514_value(text, equals + 1, field)
        if not value:
            raise exception.InvalidDN(
                field, '%s has no value' % text[:equals].strip()[-20:])
        rdns[-1].append((oid, value))
        if i >= end:
            return rdns
        if text[i] == '+':
            pass
        else:
            rdns.append([])
        i += 1
        if i >= end or not text[i:].strip():
            raise exception.InvalidDN(field, 'it ends with a separator')


def _rfc4514_value(text, i, field):
    """The value that starts at ``i`` and where its separator is."""
    end = len(text)
    while i < end and text[i] == ' ':
        i += 1
    if i < end and text[i] == '#':
        match = re.compile(r'#((?:[0-9A-Fa-f]{2})+)\s*').match(text, i)
        if not match:
            raise exception.InvalidDN(field, 'a "#" value is not hex')
        i = match.end()
        _separator_or_end(text, i, field)
        return _ber_string(bytes.fromhex(match.group(1)), field), i
    if i < end and text[i] == '"':
        return _quoted_value(text, i + 1, field)
    data = bytearray()
    significant = 0
    while i < end and text[i] not in ',+;':
        char = text[i]
        if char == '\\':
            escaped, i = _escape(text, i, field)
            data += escaped
            significant = len(data)
            continue
        data += char.encode('utf-8')
        if char != ' ':
            significant = len(data)
        i += 1
    return _decoded(bytes(data[:significant]), field), i


def _quoted_value(text, i, field):
    data = bytearray()
    end = len(text)
    while True:
        if i >= end:
            raise exception.InvalidDN(field, 'a quoted value is not closed')
        char = text[i]
        if char == '"':
            i += 1
            break
        if char == '\\':
            escaped, i = _escape(text, i, field)
            data += escaped
            continue
        data += char.encode('utf-8')
        i += 1
    while i < end and text[i] == ' ':
        i += 1
    _separator_or_end(text, i, field)
    return _decoded(bytes(data), field), i


def _separator_or_end(text, i, field):
    if i < len(text) and text[i] not in ',+;':
        raise exception.InvalidDN(
            field, 'expected "," or "+" at %r' % text[i:i + 20])


def _escape(text, i, field):
    """The bytes of the escape at ``i`` (a backslash), and what follows."""
    pair = text[i + 1:i + 3]
    if re.match(r'[0-9A-Fa-f]{2}$', pair):
        return bytes.fromhex(pair), i + 3
    if i + 1 < len(text):
        return text[i + 1].encode('utf-8'), i + 2
    raise exception.InvalidDN(field, 'it ends with a lone "\\"')


def _decoded(data, field):
    try:
        value = data.decode('utf-8')
    except UnicodeDecodeError:
        raise exception.InvalidDN(field, 'escaped bytes that are not UTF-8')
    if not value.isprintable():
        raise exception.InvalidDN(
            field, 'an escaped character that is not printable')
    return value


def _ber_string(data, field):
    """The text of a "#hex" value: a BER string of a known type."""
    if len(data) >= 2 and data[0] in _STRING_TAGS and data[1] < 0x80:
        if data[1] == len(data) - 2:
            try:
                return _decoded(data[2:].decode(_STRING_TAGS[data[0]]).encode(
                    'utf-8'), field)
            except UnicodeDecodeError:
                pass
    raise exception.InvalidDN(field, 'a "#" value that is not a string')


def _oneline_rdns(text, field):
    """The RDNs of an OpenSSL oneline DN, least specific first."""
    if text.endswith('/'):
        raise exception.InvalidDN(field, 'it ends with a separator')
    parts = _ONELINE_RDN.split(text)
    if parts[0] != '' or len(parts) < 2:
        raise exception.InvalidDN(
            field, 'expected "/type=value" at %r' % text[:20])
    rdns = []
    for part in parts[1:]:
        rdn = []
        for ava in _ONELINE_AVA.split(part):
            # The value as it is: OpenSSL writes its spaces as they are.
            name, _, value = ava.partition('=')
            if not value.strip():
                raise exception.InvalidDN(field,
                                          '%s has no value' % name.strip())
            # Bytes outside printable ASCII as \xHH, and \/ and \+.
            data = _ONELINE_ESCAPE.sub(_oneline_unescape,
                                       value.encode('utf-8'))
            rdn.append((_type(name.strip(), field), _decoded(data, field)))
        rdns.append(rdn)
    return rdns


def _oneline_unescape(match):
    escaped = match.group(1)
    if escaped.startswith(b'x'):
        return bytes.fromhex(escaped[1:].decode())
    return escaped


def openssl_rfc2253(name, escape_non_ascii=False):
    """``name`` as OpenSSL's X509_NAME_print_ex writes it in RFC 2253.

    mod_ssl's SSL_CLIENT_S_DN (XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
    with ``escape_non_ascii``, nginx's $ssl_client_s_dn (XN_FLAG_RFC2253).
    Most specific first, the AVAs of a multi-valued RDN reversed too.
    """
    rdns = []
    for rdn in reversed(name.rdns):
        rdns.append('+'.join(
            _openssl_attribute(attribute, escape_non_ascii)
            for attribute in reversed(list(rdn))))
    return ','.join(rdns)


def _openssl_attribute(attribute, escape_non_ascii):
    short = OPENSSL_NAMES.get(attribute.oid)
    if short is None:
        # XN_FLAG_DUMP_UNKNOWN_FIELDS: the DER of the value, in hex.
        data = attribute.value.encode('utf-8')
        return '%s=#%s' % (attribute.oid.dotted_string,
                           (_der_header(0x0c, len(data)) + data).hex().upper())
    value = attribute.value
    out = []
    for i, char in enumerate(value):
        if char in _SPECIAL or (i == 0 and char in '# ') or (
                i == len(value) - 1 and char == ' '):
            out.append('\\' + char)
        elif ord(char) > 0x7e and escape_non_ascii:
            out.append(''.join('\\%02X' % byte
                               for byte in char.encode('utf-8')))
        else:
            out.append(char)
    return '%s=%s' % (short, ''.join(out))


def _der_header(tag, length):
    if length < 0x80:
        return bytes([tag, length])
    size = length.to_bytes((length.bit_length() + 7) // 8, 'big')
    return bytes([tag, 0x80 | len(size)]) + size


def openssl_oneline(name, escape=True):
    """``name`` as OpenSSL's X509_NAME_oneline writes it.

    Least specific first, each RDN after a "/", bytes outside printable
    ASCII as \\xHH: mod_ssl's LegacyDNStringFormat and nginx's
    $ssl_client_s_dn_legacy. OpenSSL 3 (``escape``) writes a "/" or "+"
    in a value as \\/ and \\+ and joins the attributes of a
    multi-valued RDN with "+"; earlier versions wrote every attribute
    after a "/", the values as they are.
    """
    out = []
    for rdn in name.rdns:
        avas = []
        for attribute in rdn:
            short = OPENSSL_NAMES.get(attribute.oid,
                                      attribute.oid.dotted_string)
            value = ''.join(
                ('\\' + chr(byte) if escape and chr(byte) in '/+' else
                 chr(byte)) if 0x20 <= byte <= 0x7e else '\\x%02X' % byte
                for byte in attribute.value.encode('utf-8'))
            avas.append('%s=%s' % (short, value))
        out.append('/' + ('+' if escape else '/').join(avas))
    return ''.join(out)
