"""Where Glint may connect when it reaches out to a remote cloud.

Every URL a remote cloud or a user gives Glint is untrusted: a remote
``auth_url``, each endpoint of the remote catalog, a ``next`` link, a
redirect. The sessions made here check, at every connection, the URL's
scheme and port and *every address its host resolves to* against the
operator's ``[outbound]`` policy, and then connect to the address they
checked (no second look-up, so a DNS answer that changes in between cannot
switch it). By default only public (globally routable, unicast) addresses
pass: loopback, link-local (the metadata service), private, shared,
multicast and reserved ranges are refused unless the operator allows a
network by name.

What the remote end answers is bounded too: redirects are refused (they
would carry the token to another host), a compressed body is refused (Glint
asks for none), and a body read whole (JSON) may be at most
``max_response_bytes``, read within ``deadline`` seconds.
"""

import ipaddress
import socket
import urllib.parse

from keystoneauth1 import exceptions as ks_exc
import requests
from requests import adapters
from urllib3 import connection
from urllib3 import connectionpool
from urllib3 import exceptions as urllib3_exc
from urllib3.util import connection as connection_util

from glint_service.clouds import credentials
from glint_service.clouds import deadlines
from glint_service import exception

REDIRECTS = (301, 302, 303, 305, 307, 308)
# The redirects of a web link Glint follows, at most (a mirror, an "images
# /latest" link), each to a destination checked as the first.
MAX_REDIRECTS = 3
# IPv6 ranges that carry an IPv4 address inside, or that are not routed on
# the internet, which Python's is_global takes for global: refused unless
# an operator allows them by name. IPv4-compatible (::a.b.c.d),
# IPv4-translated (::ffff:0:a.b.c.d), NAT64 (64:ff9b::/96, its local-use
# 64:ff9b:1::/48), 6to4 (2002::/16), Teredo (2001::/32), site-local
# (fec0::/10, deprecated).
NOT_GLOBAL_IPV6 = tuple(ipaddress.ip_network(net) for net in (
    '::/96', '::ffff:0:0:0/96', '64:ff9b::/96', '64:ff9b:1::/48',
    '2002::/16', '2001::/32', 'fec0::/10'))
DEFAULT_PORTS = {'http': 80, 'https': 443}


class Refused(Exception):
    """Glint will not make (or go on with) this connection.

    The message says why in Glint's words; it never holds an address that
    the host resolved to.
    """


def _networks(group, name):
    networks = []
    for text in group[name]:
        try:
            networks.append(ipaddress.ip_network(text, strict=False))
        except ValueError:
            raise ValueError('[outbound] %s: %r is not a network (CIDR)'
                             % (name, text))
    return networks


class Destinations(object):
    """The operator's ``[outbound]`` rules, with the lists parsed once."""

    def __init__(self, group):
        self.schemes = [s.lower() for s in group.allowed_schemes]
        self.allowed_ports = set(group.allowed_ports)
        self.disallowed_ports = set(group.disallowed_ports)
        self.allowed_networks = _networks(group, 'allowed_networks')
        self.disallowed_networks = _networks(group, 'disallowed_networks')
        self.allow_insecure_tls = group.allow_insecure_tls

    def check_url(self, url):
        """Check a URL's form, scheme, port and host's addresses.

        Raises Refused saying why.
        """
        try:
            parts = urllib.parse.urlsplit(url)
            port = parts.port
        except ValueError:
            raise Refused('it is not a valid URL')
        scheme = parts.scheme.lower()
        if scheme not in self.schemes:
            raise Refused('Glint connects only with %s'
                          % ' or '.join(self.schemes))
        if not parts.hostname:
            raise Refused('it has no host')
        self.addresses(parts.hostname, port or DEFAULT_PORTS[scheme])

    def check_port(self, port):
        if port in self.disallowed_ports or (
                self.allowed_ports and port not in self.allowed_ports):
            raise Refused('Glint may not connect to port %d' % port)

    def allows_address(self, address):
        ip = ipaddress.ip_address(address.split('%', 1)[0])
        if getattr(ip, 'ipv4_mapped', None) is not None:
            ip = ip.ipv4_mapped
        if any(ip in network for network in self.disallowed_networks):
            return False
        if any(ip in network for network in self.allowed_networks):
            return True
        if ip.version == 6 and (ip.is_reserved or any(
                ip in network for network in NOT_GLOBAL_IPV6)):
            return False
        return ip.is_global and not ip.is_multicast

    def addresses(self, host, port):
        """The addresses to connect to for ``host``: all of them allowed.

        Raises Refused if the port is not allowed, the host does not
        resolve, or any address it resolves to is not allowed.
        """
        self.check_port(port)
        try:
            found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError):
            raise Refused('its host name does not resolve')
        if not found:
            raise Refused('its host name does not resolve')
        for family, _, _, _, sockaddr in found:
            if not self.allows_address(sockaddr[0]):
                raise Refused('its host is an address Glint may not connect '
                              'to (see [outbound] in the service config)')
        return found


def _guarded_connection(base, destinations):
    """A urllib3 connection class that connects only to ``destinations``."""

    class GuardedConnection(base):

        def _new_conn(self):
            found = destinations.addresses(self._dns_host.strip('[]'),
                                           self.port)
            error = None
            for _, _, _, _, sockaddr in found:
                try:
                    # An address already: no second look-up.
                    sock = connection_util.create_connection(
                        (sockaddr[0], self.port), self.timeout,
                        source_address=self.source_address,
                        socket_options=self.socket_options)
                    # From here (TLS, the request, the answer) the call's
                    # deadline holds.
                    deadlines.watch(self, sock)
                    return sock
                except socket.timeout as e:
                    raise urllib3_exc.ConnectTimeoutError(
                        self, 'Connection to %s timed out' % self.host) from e
                except OSError as e:
                    error = e
            raise urllib3_exc.NewConnectionError(
                self, 'Failed to establish a new connection: %s'
                % type(error).__name__) from error

        def request(self, method, url, body=None, headers=None, **kwargs):
            if self.sock is not None:
                deadlines.watch(self, self.sock)  # A connection kept alive.
            self._streams_body = body is not None and not isinstance(
                body, (bytes, str))
            super().request(method, url, body, headers, **kwargs)
            if self._streams_body:
                # Its answer has a deadline of its own, from the body's end.
                deadlines.watch(self, self.sock)

        def endheaders(self, *args, **kwargs):
            super().endheaders(*args, **kwargs)
            if self._streams_body:
                # An upload takes as long as it takes: the transfer bounds
                # it by its own rules.
                deadlines.pause()

    return GuardedConnection


class GuardedAdapter(adapters.HTTPAdapter):
    """requests' adapter with the policy at every connection and answer."""

    def __init__(self, destinations, max_response_bytes, deadline,
                 redirects=False, ssl_context=None):
        self.destinations = destinations
        # Presents a client certificate (see remote_keystone.client_tls).
        self.ssl_context = ssl_context
        self.max_response_bytes = max_response_bytes
        self.deadline = deadline
        # Whether a redirect is answered (for requests to follow, each hop
        # through this adapter) rather than refused.
        self.redirects = redirects
        self._pools = {
            'http': type('GuardedHTTPPool',
                         (connectionpool.HTTPConnectionPool,),
                         {'ConnectionCls': _guarded_connection(
                             connection.HTTPConnection, destinations)}),
            'https': type('GuardedHTTPSPool',
                          (connectionpool.HTTPSConnectionPool,),
                          {'ConnectionCls': _guarded_connection(
                              connection.HTTPSConnection, destinations)}),
        }
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = self._pools

    def build_connection_pool_key_attributes(self, request, verify,
                                             cert=None):
        host, pool = super().build_connection_pool_key_attributes(
            request, verify, cert)
        if self.ssl_context is not None and host['scheme'] == 'https':
            pool['ssl_context'] = self.ssl_context
        return host, pool

    def send(self, request, stream=False, **kwargs):
        scheme = urllib.parse.urlsplit(request.url).scheme.lower()
        if scheme not in self.destinations.schemes:
            raise Refused('Glint connects only with %s'
                          % ' or '.join(self.destinations.schemes))
        if kwargs.get('verify') is False and (
                not self.destinations.allow_insecure_tls):
            # Checked at registration too; here for every connection, such
            # as one of a cloud registered before the rule was set.
            raise Refused('this Glint checks the TLS certificate of every '
                          'remote cloud')
        with deadlines.Call(self.deadline) as call:
            try:
                response = super().send(request, stream=True, **kwargs)
            except Exception as error:
                if call.expired:
                    raise Refused('the remote end did not answer in '
                                  'time') from error
                raise
            try:
                if response.status_code in REDIRECTS and not self.redirects:
                    raise Refused('the remote end answered with a redirect, '
                                  'which Glint does not follow')
                encoding = response.headers.get('Content-Encoding',
                                                'identity')
                if encoding.lower() != 'identity':
                    raise Refused('the remote end sent a compressed body, '
                                  'which Glint did not ask for')
                if stream and not _read_whole_anyway(response):
                    # Image data: the transfer bounds it by its own rules.
                    call.stop()
                else:
                    response._content = self._read_whole(response, call)
            except BaseException:
                response.close()
                raise
        return response

    def _read_whole(self, response, call):
        """The body, at most max_response_bytes, within the deadline."""
        length = response.headers.get('Content-Length')
        if length is not None and length.isdigit() and (
                int(length) > self.max_response_bytes):
            raise Refused('the remote end sent more than Glint reads')
        parts = []
        size = 0
        while True:
            try:
                part = response.raw.read1(65536)
            except Exception:
                if call.expired:
                    raise Refused('the remote end did not answer in time')
                raise
            if call.expired:
                raise Refused('the remote end did not answer in time')
            if not part:
                return b''.join(parts)
            size += len(part)
            if size > self.max_response_bytes:
                raise Refused('the remote end sent more than Glint reads')
            parts.append(part)


def _read_whole_anyway(response):
    """Whether a streamed answer is one that keystoneauth reads whole.

    An error, whose text it reads for its exception, or text or JSON, which
    it logs at debug level: read through the cap instead, never unbounded.
    Image data is neither.
    """
    content_type = response.headers.get('Content-Type', '').lower()
    return response.status_code >= 300 or content_type.startswith(
        ('application/json', 'text/'))


def session(destinations, max_response_bytes, deadline, max_redirects=0,
            ssl_context=None):
    """A requests session that connects only to ``destinations``.

    It ignores the environment's proxies and .netrc (a proxy would connect
    on Glint's behalf, unchecked) and asks for uncompressed bodies. It
    follows ``max_redirects`` redirects at most, each hop checked as the
    first (none by default: a remote cloud's would carry its token on).
    """
    guarded = requests.Session()
    guarded.trust_env = False
    guarded.max_redirects = max_redirects
    guarded.headers['Accept-Encoding'] = 'identity'
    adapter = GuardedAdapter(destinations, max_response_bytes, deadline,
                             redirects=max_redirects > 0,
                             ssl_context=ssl_context)
    guarded.mount('http://', adapter)
    guarded.mount('https://', adapter)
    return guarded


class Guard(object):
    """How Glint reaches remote clouds: where to, and within what limits.

    From ``[outbound]`` and ``[remote_clouds]``.
    """

    def __init__(self, conf):
        self.destinations = Destinations(conf.outbound)
        group = conf.remote_clouds
        self.timeout = group.timeout
        self.deadline = group.deadline
        self.max_response_bytes = group.max_response_bytes
        self.max_listing_pages = group.max_listing_pages
        self.max_listing_bytes = group.max_listing_bytes
        # How long a whole listing may take: one is stopped between pages
        # once it is up, a page ending by its own deadline.
        self.listing_seconds = 2 * group.timeout

    def check_cloud(self, spec):
        """Check a remote cloud's spec against the policy, before any call.

        Raises InvalidField naming the field.
        """
        for field in ('auth_url', 'discovery_endpoint',
                      'access_token_endpoint'):
            if not spec.get(field):
                continue
            try:
                self.destinations.check_url(spec[field])
            except Refused as error:
                raise exception.InvalidField(field, str(error))
        if not spec['verify'] and not self.destinations.allow_insecure_tls:
            raise exception.InvalidField(
                'verify', 'must be true: this Glint checks the TLS '
                'certificate of every remote cloud')

    def session(self, ssl_context=None):
        """A requests session for one remote cloud (see :func:`session`).

        With ``ssl_context``, its TLS connections present that context's
        client certificate.
        """
        return session(self.destinations, self.max_response_bytes,
                       self.deadline, ssl_context=ssl_context)

    def link_session(self):
        """A requests session for a web link: its redirects followed."""
        return session(self.destinations, self.max_response_bytes,
                       self.deadline, MAX_REDIRECTS)


def describe(error):
    """What went wrong in a call to a cloud, in Glint's words.

    Never the remote end's own text (which may echo an internal page),
    an address, an errno or a length: the kind of failure, and an HTTP
    status by its class.
    """
    if isinstance(error, (Refused, credentials.Refused)):
        return str(error)
    if isinstance(error, ks_exc.Unauthorized):
        return 'the cloud refused the credentials (HTTP 401)'
    if isinstance(error, ks_exc.SSLError):
        return "the cloud's TLS certificate could not be verified"
    if isinstance(error, (ks_exc.ConnectTimeout, requests.Timeout)):
        return 'the cloud did not answer in time'
    if isinstance(error, (ks_exc.ConnectFailure, requests.ConnectionError)):
        return 'the cloud could not be reached'
    if isinstance(error, ks_exc.HttpError):
        return 'the cloud answered with an HTTP %s error' % status_class(
            error.http_status)
    if isinstance(error, ks_exc.EndpointNotFound):
        return 'the cloud\'s catalog has no image endpoint for it'
    if isinstance(error, (ks_exc.ClientException,
                          requests.RequestException)):
        return 'the cloud could not be used (%s)' % type(error).__name__
    if isinstance(error, (ValueError, KeyError, TypeError)):
        return 'the cloud gave an answer Glint cannot read'
    return 'unexpected error (%s)' % type(error).__name__


def status_class(status):
    """401, 403, 404, 409 and 413 as they are; others as 4xx or 5xx."""
    if status in (401, 403, 404, 409, 413):
        return str(status)
    return '%dxx' % (status // 100) if status else 'unknown'
