"""A request's JSON body arrives by its deadline, or the answer is 408.

A member may send a request's headers, then its body a byte every few
seconds. uWSGI's read of ``wsgi.input`` waits up to its socket-timeout (4 s)
for each next byte, and returns only once it has all it was asked for: the
thread reading such a body would be held for as long as the client likes.
So the read is watched by the watchdog that bounds the calls to remote
clouds (clouds/deadlines.py): at ``[api] body_timeout`` from its start, the
reading side of the request's connection is shut down, the read under way
ends, and the answer (408) still goes out on the writing side. Under a
server that gives neither uWSGI's connection nor gunicorn's, a body is read
as it comes.
"""

import os
import socket
import threading
import time

from glint_service.clouds import deadlines
from glint_service import exception


def read(request, seconds):
    """Read the whole body of ``request``, within ``seconds``.

    RequestTimeout when it has not arrived by then, or stops arriving
    (uWSGI's socket-timeout ended a read, or the client left).
    """
    watch = Watch(connection_fd(request.environ),
                  time.monotonic() + seconds)
    if watch.fd is not None:
        deadlines.WATCHDOG.add(watch)
    try:
        return request.body
    except OSError:  # uWSGI's, or webob's for a body short of its length.
        if watch.expired:
            raise exception.RequestTimeout(
                'The request body did not arrive within %d seconds '
                '([api] body_timeout).' % seconds)
        raise exception.RequestTimeout('The request body stopped arriving.')
    finally:
        watch.disarm()


def connection_fd(environ):
    """The file descriptor of the request's connection, or None.

    uWSGI's (under ``--http``, its connection to uWSGI's HTTP router) or
    gunicorn's; other servers do not give it.
    """
    if 'uwsgi.version' in environ:
        import uwsgi  # Only in uWSGI's own processes.
        return uwsgi.connection_fd()
    sock = environ.get('gunicorn.socket')
    return None if sock is None else sock.fileno()


class Watch(object):
    """The reading side of a connection, shut down at ``deadline``."""

    def __init__(self, fd, deadline):
        self.fd = fd
        self.deadline = deadline
        self.armed = True
        self.expired = False
        self._lock = threading.Lock()

    def expire(self):
        with self._lock:
            # Once disarmed, the request may have ended, and its file
            # descriptor be another request's.
            if not self.armed:
                return
            self.expired = True
            try:
                with socket.socket(fileno=os.dup(self.fd)) as dup:
                    dup.shutdown(socket.SHUT_RD)
            except OSError:
                pass  # The client has gone already.

    def disarm(self):
        with self._lock:
            self.armed = False
