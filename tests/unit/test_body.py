"""A JSON request body arrives by [api] body_timeout, or the answer is 408.

A socket pair stands for the request's connection: the server's end is
gunicorn's socket (or uWSGI's connection), the client's end trickles.
"""

import socket
import sys
import threading
import time
from unittest import mock

import pytest
import webob

from glint_service.api import body
from glint_service.api import deploy
from glint_service.clouds import deadlines
from glint_service import exception
from tests import hostile

# The longest a thread may take to end on a busy machine, once its
# deadline has passed.
MARGIN = 60


@pytest.fixture
def connection():
    """The server's end of a connection, whose client trickles its body."""
    server, client = socket.socketpair()
    stop = threading.Event()
    threading.Thread(target=hostile.trickle,
                     args=(client.sendall, b' ', 0.1, stop),
                     daemon=True).start()
    yield server
    stop.set()
    server.close()
    client.close()


def post(path, connection, length=100000):
    """A POST whose body comes from ``connection``, as gunicorn gives it."""
    request = webob.Request.blank(path, method='POST')
    request.environ['wsgi.input'] = connection.makefile('rb')
    request.environ['gunicorn.socket'] = connection
    request.content_length = length
    request.content_type = 'application/json'
    return request


def in_thread(function):
    """What ``function()`` returns or raises, and how long it took."""
    outcome = {}

    def run():
        start = time.monotonic()
        try:
            outcome['value'] = function()
        except Exception as error:
            outcome['error'] = error
        outcome['seconds'] = time.monotonic() - start

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(MARGIN)
    assert not thread.is_alive(), 'still reading the body'
    return outcome


def test_a_body_that_trickles_in_is_a_408_at_its_deadline(
        conf, tokens, connection):
    conf.set_override('body_timeout', 1, group='api')
    application = deploy.loadapp(conf)
    request = post('/v1/clouds', connection)
    request.headers['X-Auth-Token'] = tokens()
    outcome = in_thread(lambda: request.get_response(application))
    response = outcome['value']
    assert response.status_int == 408, response.text
    error, = response.json['errors']
    assert error['code'] == 'glint.request_timeout'
    assert error['detail'] == ('The request body did not arrive within 1 '
                               'seconds ([api] body_timeout).')
    assert outcome['seconds'] >= 1


def test_under_uwsgi_its_connection_is_watched(connection):
    uwsgi = mock.Mock(connection_fd=connection.fileno)
    request = post('/', connection)
    del request.environ['gunicorn.socket']
    request.environ['uwsgi.version'] = b'2.0.31'
    with mock.patch.dict(sys.modules, uwsgi=uwsgi):
        outcome = in_thread(lambda: body.read(request, 1))
    assert isinstance(outcome['error'], exception.RequestTimeout)
    assert 'within 1 seconds' in outcome['error'].detail


def test_a_read_that_fails_is_a_408():
    # uWSGI's, once socket-timeout has passed without a byte.
    request = webob.Request.blank('/', method='POST')
    request.environ['wsgi.input'] = mock.Mock(read=mock.Mock(
        side_effect=OSError('timeout during read(10) on wsgi.input')))
    request.content_length = 10
    with pytest.raises(exception.RequestTimeout,
                       match='The request body stopped arriving.'):
        body.read(request, 30)


def test_a_body_in_time_is_read_whole_and_its_connection_left_be():
    server, client = socket.socketpair()
    with server, client:
        client.sendall(b'{"a": 1}')
        with mock.patch.object(deadlines.WATCHDOG, 'add',
                               wraps=deadlines.WATCHDOG.add) as add:
            assert body.read(post('/', server, 8), 30) == b'{"a": 1}'
        watch, = add.call_args[0]
        assert watch.fd == server.fileno() and not watch.armed
        watch.expire()  # Too late: the request may be over.
        client.sendall(b'more')
        assert server.recv(4) == b'more'


def test_an_expired_watch_ends_reading_but_not_writing():
    server, client = socket.socketpair()
    with server, client:
        body.Watch(server.fileno(), 0).expire()
        assert server.recv(1) == b''
        server.sendall(b'408')
        assert client.recv(3) == b'408'
