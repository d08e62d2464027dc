"""A remote cloud that cannot be trusted, for Glint's robustness tests.

It stands for an attacker, not for a Keystone or a Glance (those stay real
everywhere else): a small HTTP server on loopback that logs anyone in, and
answers what the test tells it to (a catalog pointing elsewhere, redirects,
bodies that trickle in or never end, gzip bombs, lies about sizes). It
records every request it gets, so that a test can show what reached it.
:func:`trickle` also stands for a client that sends its body a byte at a
time.

:class:`Listener` stands for an address of the control plane that Glint
must never reach: it only counts the connections made to it.
"""

import datetime
import gzip
import http.server
import json
import socket
import threading
import uuid

MAX_KEPT = 1024 * 1024
IMAGE_ID = '8a3c1f7e-2f1b-4c1e-9d7a-6b5e4d3c2b1a'
IMAGE = {
    'id': IMAGE_ID, 'name': 'hostile-image', 'status': 'active',
    'visibility': 'private', 'disk_format': 'raw',
    'container_format': 'bare', 'size': 4096, 'min_disk': 0, 'min_ram': 0,
    'os_hash_algo': 'sha512', 'os_hash_value': 'f' * 128, 'tags': [],
    'owner': 'hostile-project',
}


class Listener(object):
    """A TCP listener that records whoever connects, and says nothing."""

    def __init__(self, host):
        self.socket = socket.socket()
        self.socket.bind((host, 0))
        self.socket.listen(16)
        self.socket.settimeout(0.1)
        self.host = host
        self.port = self.socket.getsockname()[1]
        self.url = 'http://%s:%d' % (host, self.port)
        self.connections = 0
        self._running = True
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self):
        while self._running:
            try:
                conn, _ = self.socket.accept()
            except socket.timeout:
                continue
            self.connections += 1
            conn.close()

    def stop(self):
        self._running = False
        self._thread.join()
        self.socket.close()


def trickle(send, byte, interval, stop):
    """Send ``byte`` every ``interval`` s, until ``stop`` is set.

    Or until the other end has gone: ``send`` writes to it (a server's
    answer, a client's request body) and fails then.
    """
    while not stop.wait(interval):
        try:
            send(byte)
        except OSError:
            return


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, *args):
        pass

    def _handle(self):
        # A small body (JSON) is read and kept; a large one (image data)
        # is left to the answer.
        length = int(self.headers.get('Content-Length') or 0)
        body = self.rfile.read(length) if 0 < length <= MAX_KEPT else b''
        server = self.server.cloud
        server.requests.append((self.command, self.path,
                                dict(self.headers), body))
        path = self.path.split('?', 1)[0]
        answer = server.answers.get((self.command, path))
        if answer is None:
            answer = server.default_answer(self.command, path)
        answer(self)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle

    def send(self, status, body=b'', headers=None):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            headers = dict({'Content-Type': 'application/json'},
                           **(headers or {}))
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if 'Content-Length' not in (headers or {}):
            self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class HostileCloud(object):
    """A "cloud" on loopback whose every answer the test chooses."""

    def __init__(self, host='127.0.0.1'):
        self.server = http.server.ThreadingHTTPServer((host, 0), _Handler)
        self.server.daemon_threads = True
        self.server.cloud = self
        self.url = 'http://%s:%d' % (host, self.server.server_address[1])
        self.auth_url = self.url + '/v3'
        # Where the catalog says its Glance is: here, unless told.
        self.image_endpoint = self.url
        self.requests = []
        # (method, path) -> function(handler): what to answer.
        self.answers = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self.server.serve_forever,
                                        daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        self.server.shutdown()
        self.server.server_close()
        self._thread.join()

    def received(self, text):
        """Whether any request it got holds ``text`` (a secret, say)."""
        text = text.encode() if isinstance(text, str) else text
        return any(text in body or text in json.dumps(headers).encode()
                   or text in path.encode()
                   for _, path, headers, body in self.requests)

    def asked(self, path):
        return sum(1 for _, p, _, _ in self.requests
                   if p.split('?', 1)[0] == path)

    # What it answers unless told otherwise: a Keystone that logs anyone in,
    # and a Glance with one image.

    def default_answer(self, method, path):
        if (method, path) == ('POST', '/v3/auth/tokens'):
            return self.login
        if (method, path) == ('GET', '/v2/images/%s' % IMAGE_ID):
            return lambda h: h.send(200, IMAGE)
        if (method, path) == ('GET', '/v2/images'):
            return lambda h: h.send(200, {'images': [IMAGE]})
        return lambda h: h.send(404, {'error': 'nothing here'})

    def token(self):
        now = datetime.datetime.now(datetime.timezone.utc)
        later = now + datetime.timedelta(hours=1)
        domain = {'id': 'default', 'name': 'Default'}
        return {'token': {
            'methods': ['password'],
            'issued_at': now.strftime('%Y-%m-%dT%H:%M:%S.000000Z'),
            'expires_at': later.strftime('%Y-%m-%dT%H:%M:%S.000000Z'),
            'user': {'id': 'hostile-user', 'name': 'mallory',
                     'domain': domain},
            'project': {'id': 'hostile-project', 'name': 'mallory',
                        'domain': domain},
            'roles': [{'id': 'r', 'name': 'member'}],
            'catalog': [{
                'type': 'image', 'name': 'glance', 'id': 'glance',
                'endpoints': [{'id': 'e', 'interface': 'public',
                               'region': 'RegionOne',
                               'region_id': 'RegionOne',
                               'url': self.image_endpoint}]}],
        }}

    def login(self, handler):
        handler.send(201, self.token(),
                     {'X-Subject-Token': uuid.uuid4().hex})

    # Misbehaviours, for ``answers``.

    @staticmethod
    def redirect_to(url):
        return lambda h: h.send(302, b'', {'Location': url})

    def drip(self, status=200, interval=0.5):
        """An answer that sends one byte every ``interval`` s, for ever."""
        def answer(handler):
            handler.send_response(status)
            handler.send_header('Content-Type', 'application/json')
            handler.end_headers()
            self._trickle(handler, b' ', interval)
        return answer

    def drip_headers(self, interval=0.5):
        """An answer whose headers never end: a byte every ``interval``."""
        def answer(handler):
            handler.wfile.write(b'HTTP/1.1 201 Created\r\nX-Slow: ')
            self._trickle(handler, b'a', interval)
        return answer

    def _trickle(self, handler, byte, interval):
        """Send ``byte`` every ``interval`` s, until either end goes."""
        def send(data):
            handler.wfile.write(data)
            handler.wfile.flush()
        trickle(send, byte, interval, self._stop)

    def endless(self, status=200, content_type='application/json'):
        """An answer whose body never ends, a MiB at a time."""
        def answer(handler):
            handler.send_response(status)
            handler.send_header('Content-Type', content_type)
            handler.send_header('Connection', 'close')
            handler.end_headers()
            chunk = b' ' * (1024 * 1024)
            while not self._stop.is_set():
                try:
                    handler.wfile.write(chunk)
                except OSError:
                    return
        return answer

    @staticmethod
    def gzip_bomb(megabytes=64):
        bomb = gzip.compress(b' ' * (megabytes * 1024 * 1024))
        return lambda h: h.send(200, bomb, {
            'Content-Type': 'application/json', 'Content-Encoding': 'gzip',
            'Content-Length': str(len(bomb))})

    @staticmethod
    def endless_pages():
        """A listing whose every page links to one more."""
        def answer(handler):
            handler.send(200, {'images': [IMAGE],
                               'next': '/v2/images?marker=%s'
                                       % uuid.uuid4()})
        return answer
