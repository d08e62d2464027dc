"""The outbound policy: where Glint connects, and what it reads back.

The sessions are tried against small HTTP servers of the test's own on
loopback: 127.0.0.1 is allowed here, as the test bed allows it, and any
other loopback address stands for the control plane's own.
"""

import gzip
import http.server
import socket
import threading
import time
import types

from keystoneauth1 import exceptions as ks_exc
import pytest
import requests

from glint_service.clouds import outbound
from glint_service import exception
from tests import hostile as hostile_cloud

ALLOWED = '127.0.0.1/32'


def policy(**options):
    group = dict(allowed_schemes=['http', 'https'], allowed_ports=[],
                 disallowed_ports=[], allowed_networks=[ALLOWED],
                 disallowed_networks=[], allow_insecure_tls=True)
    group.update(options)
    return outbound.Destinations(_Group(group))


class _Group(dict):
    """An option group: items and attributes."""

    __getattr__ = dict.__getitem__


@pytest.mark.parametrize('url', [
    'http://169.254.169.254/latest/meta-data/',
    'http://127.0.0.2:35357/v3',
    'http://[::1]:5000/v3',
    'http://0x7f000002/v3',
    'http://2130706434/v3',
    'http://10.0.0.1/v3',
    'http://192.168.1.1/v3',
    'http://172.16.0.1/v3',
    'http://100.64.0.1/v3',
    'http://224.0.0.1/v3',
    'http://0.0.0.0/v3',
    'http://[::ffff:127.0.0.2]/v3',
    'http://[fe80::1]/v3',
    'http://localhost:5000/v3',
    # IPv4 addresses inside IPv6 ones, and IPv6 that is not routed.
    'http://[::127.0.0.2]/v3',
    'http://[::8.8.8.8]/v3',
    'http://[64:ff9b::127.0.0.2]/v3',
    'http://[64:ff9b:1::a9fe:a9fe]/v3',
    'http://[::ffff:0:127.0.0.2]/v3',
    'http://[2002:7f00:2::1]/v3',
    'http://[2001:0:7f00:2::1]/v3',
    'http://[fec0::1]/v3',
])
def test_internal_addresses_are_refused_by_default(url):
    with pytest.raises(outbound.Refused, match='may not connect'):
        policy(allowed_networks=[]).check_url(url)


@pytest.mark.parametrize('url', ['https://8.8.8.8/v3',
                                 'https://[2606:4700:4700::1111]/v3'])
def test_a_public_address_passes_by_default(url):
    policy(allowed_networks=[]).check_url(url)


def test_an_operator_may_allow_a_nat64_network_by_name():
    policy(allowed_networks=['64:ff9b::/96']).check_url(
        'http://[64:ff9b::808:808]/v3')


def test_an_allowed_network_passes_and_nothing_beside_it():
    rules = policy(allowed_networks=['127.0.0.1/32'])
    rules.check_url('http://127.0.0.1:5000/v3')
    with pytest.raises(outbound.Refused):
        rules.check_url('http://127.0.0.2:5000/v3')


def test_a_disallowed_network_wins_over_everything():
    rules = policy(allowed_networks=['127.0.0.0/8'],
                   disallowed_networks=['127.0.0.1/32', '8.8.8.0/24'])
    with pytest.raises(outbound.Refused):
        rules.check_url('http://127.0.0.1/v3')
    with pytest.raises(outbound.Refused):
        rules.check_url('http://8.8.8.8/v3')


@pytest.mark.parametrize('options, url, reason', [
    ({'allowed_schemes': ['https']}, 'http://127.0.0.1/v3', 'only with'),
    ({}, 'ftp://127.0.0.1/v3', 'only with'),
    ({}, 'file:///etc/passwd', 'only with'),
    ({'allowed_ports': [443, 5000]}, 'http://127.0.0.1:22/', 'port 22'),
    ({'disallowed_ports': [35357]}, 'http://127.0.0.1:35357/', 'port 35357'),
    ({}, 'http://127.0.0.1:99999/', 'not a valid URL'),
    ({}, 'http:///v3', 'no host'),
    ({}, 'http://no-such-host.invalid/v3', 'does not resolve'),
])
def test_schemes_ports_and_names_are_checked(options, url, reason):
    with pytest.raises(outbound.Refused, match=reason):
        policy(**options).check_url(url)


def test_a_bad_network_in_the_config_is_named():
    with pytest.raises(ValueError, match='allowed_networks.*not-a-net'):
        policy(allowed_networks=['not-a-net'])


def test_a_cloud_spec_is_checked_naming_the_field():
    rules = types.SimpleNamespace(
        destinations=policy(allow_insecure_tls=False))
    check = outbound.Guard.check_cloud
    with pytest.raises(exception.InvalidField, match='^auth_url: '):
        check(rules, {'auth_url': 'http://127.0.0.2/v3', 'verify': True})
    with pytest.raises(exception.InvalidField, match='^verify: must be true'):
        check(rules, {'auth_url': 'http://127.0.0.1/v3', 'verify': False})
    check(rules, {'auth_url': 'http://127.0.0.1/v3', 'verify': True})


class Hostile(http.server.BaseHTTPRequestHandler):
    """Answers as the test says: see the ``answers`` of the server."""

    def do_GET(self):
        status, headers, body = self.server.answers[self.path]
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if callable(body):
            body(self.wfile)
        else:
            self.wfile.write(body)

    def do_PUT(self):
        length = int(self.headers['Content-Length'])
        self.server.received = self.rfile.read(length)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def hostile():
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Hostile)
    server.daemon_threads = True
    server.answers = {}
    server.url = 'http://127.0.0.1:%d' % server.server_address[1]
    thread = threading.Thread(target=server.serve_forever)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def internal():
    listener = hostile_cloud.Listener('127.0.0.2')
    yield listener
    listener.stop()


def guarded(max_bytes=1024, deadline=5.0):
    return outbound.session(policy(), max_bytes, deadline)


def test_a_connection_to_a_refused_address_is_never_made(internal):
    with pytest.raises(outbound.Refused):
        guarded().get(internal.url, timeout=5)
    assert internal.connections == 0


def test_tls_unchecked_is_refused_at_every_connection(hostile):
    """Such as a cloud registered before allow_insecure_tls was false."""
    strict = outbound.session(policy(allow_insecure_tls=False), 1024, 5.0)
    hostile.answers['/x'] = (200, {'Content-Length': '2'}, b'{}')
    with pytest.raises(outbound.Refused, match='TLS certificate'):
        strict.get(hostile.url + '/x', timeout=5, verify=False)
    assert strict.get(hostile.url + '/x', timeout=5).content == b'{}'
    assert guarded().get(hostile.url + '/x', timeout=5,
                         verify=False).content == b'{}'


def test_a_redirect_is_refused_and_not_followed(hostile, internal):
    hostile.answers['/file'] = (302, {'Location': internal.url,
                                      'Content-Length': '0'}, b'')
    with pytest.raises(outbound.Refused, match='redirect'):
        guarded().get(hostile.url + '/file', timeout=5)
    assert internal.connections == 0


def test_a_redirect_within_keystoneauth_is_refused_too(hostile, internal):
    from keystoneauth1 import session as ks_session

    hostile.answers['/v2/images'] = (307, {'Location': internal.url,
                                           'Content-Length': '0'}, b'')
    session = ks_session.Session(session=guarded(), redirect=False)
    with pytest.raises(outbound.Refused, match='redirect'):
        session.get(hostile.url + '/v2/images', authenticated=False)
    assert internal.connections == 0


def test_a_body_is_read_up_to_its_cap(hostile):
    hostile.answers['/big'] = (200, {}, b'x' * 5000)
    hostile.answers['/said-big'] = (200, {'Content-Length': '5000'},
                                    b'x' * 5000)
    hostile.answers['/small'] = (200, {'Content-Length': '4'}, b'fine')
    session = guarded(max_bytes=1024)
    for path in ('/big', '/said-big'):
        with pytest.raises(outbound.Refused, match='more than Glint reads'):
            session.get(hostile.url + path, timeout=5)
    assert session.get(hostile.url + '/small', timeout=5).content == b'fine'


def test_a_compressed_body_is_refused(hostile):
    bomb = gzip.compress(b'\0' * (10 * 1024 * 1024))
    hostile.answers['/bomb'] = (200, {'Content-Encoding': 'gzip',
                                      'Content-Length': str(len(bomb))},
                                bomb)
    session = guarded(max_bytes=1024 * 1024)
    with pytest.raises(outbound.Refused, match='compressed'):
        session.get(hostile.url + '/bomb', timeout=5)
    assert session.headers['Accept-Encoding'] == 'identity'


def test_an_answer_that_trickles_in_ends_at_the_deadline(hostile):
    stop = threading.Event()

    def drip(out):
        while not stop.wait(0.2):
            out.write(b'x')
            out.flush()

    hostile.answers['/drip'] = (200, {}, drip)
    try:
        with pytest.raises(outbound.Refused, match='in time'):
            # Each byte comes well within the read timeout.
            guarded(deadline=1.0).get(hostile.url + '/drip', timeout=5)
    finally:
        stop.set()


@pytest.fixture
def trickler():
    """A server that begins an answer, then sends a byte every 0.2 s.

    ``trickler.start`` is what it sends first: an HTTP status line (its
    headers then never end), or the first bytes of a TLS record (its
    handshake never ends).
    """
    listener = socket.socket()
    listener.bind(('127.0.0.1', 0))
    listener.listen(8)
    listener.settimeout(0.1)
    stop = threading.Event()

    def drip(conn):
        with conn:
            if not trickler.start.startswith(b'\x16'):
                conn.recv(65536)  # The request: HTTP answers after it.
            conn.sendall(trickler.start)
            while not stop.wait(0.2):
                try:
                    conn.sendall(b'a')
                except OSError:
                    return

    def serve():
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except socket.timeout:
                continue
            threading.Thread(target=drip, args=(conn,), daemon=True).start()

    trickler = types.SimpleNamespace(
        port=listener.getsockname()[1], start=b'HTTP/1.1 200 OK\r\nX-A: ')
    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield trickler
    stop.set()
    thread.join()
    listener.close()


@pytest.mark.parametrize('scheme, start', [
    ('http', b'HTTP/1.1 200 OK\r\nX-Slow: '),
    ('https', b'\x16\x03\x03\x40\x00'),
])
def test_a_call_ends_at_its_deadline_from_the_connection_on(
        trickler, scheme, start):
    """Headers or a TLS handshake that trickle in, byte by byte.

    Each byte comes well within the read timeout: the call ends at its
    deadline all the same.
    """
    trickler.start = start
    outcome = []

    def call():
        try:
            guarded(deadline=1.0).get('%s://127.0.0.1:%d/v3'
                                      % (scheme, trickler.port), timeout=5)
        except Exception as error:
            outcome.append(error)

    caller = threading.Thread(target=call, daemon=True)
    caller.start()
    caller.join(60)
    assert not caller.is_alive(), 'the call is still waiting'
    [error] = outcome
    assert isinstance(error, outbound.Refused)
    assert 'did not answer in time' in str(error)


def test_a_request_body_may_take_longer_than_the_deadline(hostile):
    """An image upload lasts as long as it does: only answers have one."""
    def slow_body():
        for _ in range(4):
            time.sleep(0.3)
            yield b'z' * 1000

    response = guarded(deadline=0.5).put(
        hostile.url + '/v2/images/x/file', data=slow_body(),
        headers={'Content-Length': '4000'}, timeout=5)
    assert response.status_code == 204
    assert hostile.received == b'z' * 4000


@pytest.mark.parametrize('status, content_type', [
    (500, 'application/octet-stream'), (404, 'text/html'),
    (200, 'application/json')])
def test_a_streamed_answer_that_is_no_data_is_capped(hostile, status,
                                                     content_type):
    """An error or JSON: keystoneauth reads it whole, to raise or log."""
    hostile.answers['/v2/images/x/file'] = (
        status, {'Content-Type': content_type}, b'x' * (8 * 1024 * 1024))
    with pytest.raises(outbound.Refused, match='more than Glint reads'):
        guarded(max_bytes=1024).get(hostile.url + '/v2/images/x/file',
                                    stream=True, timeout=5)


def test_a_streamed_answer_is_not_capped(hostile):
    hostile.answers['/data'] = (200, {'Content-Length': '5000'},
                                b'y' * 5000)
    response = guarded(max_bytes=1024).get(hostile.url + '/data',
                                           stream=True, timeout=5)
    assert b''.join(response.iter_content(1000)) == b'y' * 5000


def test_proxies_of_the_environment_are_not_used(monkeypatch, internal):
    monkeypatch.setenv('http_proxy', internal.url)
    session = guarded()
    assert session.trust_env is False
    with pytest.raises(requests.ConnectionError):
        # Nothing listens there; a proxy would have been asked instead.
        session.get('http://127.0.0.1:1/', timeout=5)
    assert internal.connections == 0


@pytest.mark.parametrize('error, said', [
    (outbound.Refused('its host is an address Glint may not connect to'),
     'its host is an address Glint may not connect to'),
    (ks_exc.Unauthorized(), 'the cloud refused the credentials (HTTP 401)'),
    (ks_exc.ConnectFailure('Unable to establish connection to '
                           'http://10.1.2.3:35357/v3: [Errno 111]'),
     'the cloud could not be reached'),
    (ks_exc.HttpError(http_status=502, message='<html>secret page</html>'),
     'the cloud answered with an HTTP 5xx error'),
    (ks_exc.NotFound(), 'the cloud answered with an HTTP 404 error'),
    (ValueError('Expecting value: line 1 column 1 (char 0)'),
     'the cloud gave an answer Glint cannot read'),
])
def test_errors_are_told_in_glints_words(error, said):
    assert outbound.describe(error) == said
