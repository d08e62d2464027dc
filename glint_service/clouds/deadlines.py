"""Every call to a remote cloud ends by its deadline, whatever the remote does.

A socket timeout bounds each read, not a call: a remote end that sends one
byte of its headers every few seconds, or trickles its TLS handshake, would
hold a thread for ever. So each call's connections are watched: from the
connection (TCP, TLS, the request) to the answer's last byte, or to its
headers for an answer streamed (image data, which the transfer bounds by
its own rules), and for a request whose body is streamed (an upload) from
the body's end on. One thread, the watchdog, shuts down the socket of a
call still watched at its deadline: the read under way returns, and the
call fails (``expired``).
"""

import heapq
import itertools
import os
import socket
import threading
import time

_call = threading.local()


class Watch(object):
    """One connection of a call, watched until its deadline."""

    def __init__(self, connection, fd, deadline):
        self.connection = connection
        self.fd = fd
        self.deadline = deadline
        self.armed = True
        self.expired = False

    def expire(self):
        """Shut the connection's socket down: its reads end at once."""
        self.expired = True
        sock = self.connection.sock
        try:
            if sock is not None and sock.fileno() == self.fd:
                # The plain socket's shutdown, also under a TLS one.
                socket.socket.shutdown(sock, socket.SHUT_RDWR)
            else:
                # The TLS handshake: the socket is being wrapped, its file
                # descriptor the same.
                with socket.socket(fileno=os.dup(self.fd)) as dup:
                    dup.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass  # Closed already: the call has ended.


class Watchdog(object):
    """Expires the watches whose deadline has passed, in a thread of its own.

    The thread starts with the first watch and sleeps until the next
    deadline: an idle process spends nothing on it.
    """

    def __init__(self):
        self._heap = []
        self._order = itertools.count()
        self._changed = threading.Condition()
        self._thread = None

    def watch(self, connection, fd, deadline):
        return self.add(Watch(connection, fd, deadline))

    def add(self, watch):
        """Expire ``watch`` at its ``deadline``, unless no longer ``armed``.

        Any object with these and ``expire()``: the API's reads of request
        bodies are watched too (api/body.py).
        """
        with self._changed:
            heapq.heappush(self._heap,
                           (watch.deadline, next(self._order), watch))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name='glint-deadlines', daemon=True)
                self._thread.start()
            self._changed.notify()
        return watch

    def _run(self):
        with self._changed:
            while True:
                while self._heap and not self._heap[0][2].armed:
                    heapq.heappop(self._heap)  # Its call ended in time.
                if not self._heap:
                    self._changed.wait()
                    continue
                left = self._heap[0][0] - time.monotonic()
                if left > 0:
                    self._changed.wait(left)
                    continue
                _, _, watch = heapq.heappop(self._heap)
                watch.expire()


WATCHDOG = Watchdog()


class Call(object):
    """The deadline of one call, for the connections it makes or reuses.

    Used as a context manager around the call, in its thread: the
    connections (see ``watch``) are watched until the call ends or
    ``stop`` is called.
    """

    def __init__(self, seconds):
        self.seconds = seconds
        self.watches = []
        self._expired = False

    def __enter__(self):
        _call.current = self
        return self

    def __exit__(self, *exc_info):
        _call.current = None
        self.stop()

    def stop(self):
        """Stop watching: the rest of the call is bounded otherwise."""
        self._expired = self.expired
        for watch in self.watches:
            watch.armed = False
        self.watches = []

    @property
    def expired(self):
        """Whether the watchdog ended one of the call's connections."""
        return self._expired or any(w.expired for w in self.watches)


def watch(connection, sock):
    """Watch a connection (its socket ``sock``) for this thread's call.

    Until the call's deadline, counted from now; nothing outside a call.
    """
    call = getattr(_call, 'current', None)
    if call is not None:
        call.watches.append(WATCHDOG.watch(
            connection, sock.fileno(), time.monotonic() + call.seconds))


def pause():
    """Stop watching this thread's call while it sends a streamed body."""
    call = getattr(_call, 'current', None)
    if call is not None:
        call.stop()
