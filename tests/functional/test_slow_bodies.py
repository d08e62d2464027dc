"""A member trickling a request body holds an API thread until a deadline.

Against a Glint of its own under uWSGI, as deployed, with ``[api]
body_timeout`` of BOUND seconds: as many clients as its API has threads
send a POST's headers with a valid token, then its body (of a length told,
or chunked) a byte at a time, each byte well within uWSGI's socket-timeout.
Another request is answered meanwhile, and each of them is answered 408
once the bound has passed.
"""

import http.client
import json
import socket
import threading
import time

import pytest

from tests import cloudbed
from tests.functional.conftest import as_user
from tests.functional.conftest import glint_of_its_own
from tests import hostile

BOUND = 2
# What a busy machine may add to the bound before the answer comes. A body
# read to its end would take LENGTH * INTERVAL s: hours.
MARGIN = 120
LENGTH = 100000
INTERVAL = 0.5
# A body of LENGTH bytes: its length told, or one chunk of it.
FRAMINGS = {
    'length': b'Content-Length: %d\r\n\r\n' % LENGTH,
    'chunked': b'Transfer-Encoding: chunked\r\n\r\n%x\r\n' % LENGTH,
}
# The API's threads: cloudbed.uwsgi's 2 processes of 4.
THREADS = 8


@pytest.fixture(scope='module')
def glint(bed, tmp_path_factory):
    with glint_of_its_own(bed, tmp_path_factory.mktemp('bodies'),
                          'glint-bodies', server='uwsgi',
                          start_engines=False,
                          options={'api': {'body_timeout': BOUND}}) as glint:
        yield glint


class Trickler(object):
    """A POST whose headers come at once, then its body a byte at a time.

    ``answered`` is when its answer came (its ``status`` and ``body``), or
    its connection closed without one.
    """

    def __init__(self, glint, token, framing, stop):
        head = ('POST /v1/clouds HTTP/1.1\r\nHost: %s:%d\r\n'
                'X-Auth-Token: %s\r\nContent-Type: application/json\r\n'
                % (cloudbed.HOST, glint.port, token)).encode()
        self.sock = socket.create_connection((cloudbed.HOST, glint.port))
        self.sock.sendall(head + FRAMINGS[framing])
        self.started = time.monotonic()
        self.answered = self.status = self.body = None
        threading.Thread(target=hostile.trickle,
                         args=(self.sock.sendall, b' ', INTERVAL, stop),
                         daemon=True).start()
        threading.Thread(target=self._read_answer, daemon=True).start()

    def _read_answer(self):
        answer = http.client.HTTPResponse(self.sock)
        try:
            answer.begin()
            self.body = answer.read()
            self.status = answer.status
        except (OSError, http.client.HTTPException):
            pass  # Closed without an answer.
        self.answered = time.monotonic()

    def close(self):
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


@pytest.mark.parametrize('framing', sorted(FRAMINGS))
def test_a_body_that_trickles_in_holds_a_thread_no_longer_than_its_bound(
        bed, glint, framing):
    demo = as_user(bed, glint)
    stop = threading.Event()
    tricklers = []
    try:
        for _ in range(THREADS):
            tricklers.append(Trickler(glint, demo.token, framing, stop))
        # Every thread of the API is taken by a body that trickles in.
        assert demo.get('/v1/clouds').status_code == 200
        cloudbed.wait_for(lambda: all(t.answered for t in tricklers),
                          BOUND + MARGIN, 'every trickled body answered')
    finally:
        stop.set()
        for trickler in tricklers:
            trickler.close()
    for trickler in tricklers:
        assert trickler.status == 408, trickler.body
        error, = json.loads(trickler.body)['errors']
        assert error['code'] == 'glint.request_timeout'
        assert BOUND <= trickler.answered - trickler.started <= (
            BOUND + MARGIN)
    # A body sent at once is read as ever: this one lacks a name.
    response = demo.post('/v1/clouds', {})
    assert response.status_code == 400, response.text
    assert 'name' in response.json()['errors'][0]['detail']
