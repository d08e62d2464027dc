"""Fan-out: read a stream once, write it to many at the same time.

One reader takes chunks from the source and puts each into every target's
pipe: a bounded queue that the target's upload takes them from. A slow target
holds the others back only once its own pipe is full; a target that fails
closes its pipe and the reader goes on without it. Memory is bounded by the
pipes' sizes, whatever the size of the image.
"""

import queue
import threading
import time

_END = object()
_POLL = 0.2


class Stalled(Exception):
    """A chunk did not come, or was not taken, within the stall timeout."""


class Pipe(object):
    """A bounded queue of chunks from the reader to one target's upload."""

    def __init__(self, max_chunks, stall_timeout=None):
        self._queue = queue.Queue(max_chunks)
        self.stall_timeout = stall_timeout
        # Set when the target took no chunk within stall_timeout.
        self.stalled = False
        self._closed = threading.Event()
        self._pending = b''
        self._ended = False
        self.bytes_taken = 0
        # Set when the reader stopped the transfer (cancel, source failure).
        self.stopped_by_reader = None

    # The reader's side.

    def put(self, item):
        """Queue a chunk, the end or an error; False if the target is gone.

        A target that takes no chunk within stall_timeout is gone: the pipe
        is closed as stalled, and its upload reads Stalled.
        """
        deadline = (None if self.stall_timeout is None
                    else time.monotonic() + self.stall_timeout)
        while not self._closed.is_set():
            try:
                self._queue.put(item, timeout=_POLL)
                return True
            except queue.Full:
                if deadline is not None and time.monotonic() > deadline:
                    self.stalled = True
                    self.close()
        return False

    def end(self, error=None):
        """No more chunks: the upload reads the end, or ``error``."""
        self.stopped_by_reader = error
        self.put(_END if error is None else error)

    # The upload's side: read like a file, or iterated over.

    def read(self, size=-1):
        if not self._pending and not self._ended:
            item = self._get()
            if item is _END:
                self._ended = True
            elif isinstance(item, BaseException):
                self._ended = True
                raise item
            else:
                self._pending = item
        if size is None or size < 0 or size >= len(self._pending):
            data, self._pending = self._pending, b''
        else:
            data, self._pending = self._pending[:size], self._pending[size:]
        self.bytes_taken += len(data)
        return data

    def _get(self):
        while True:
            try:
                return self._queue.get(timeout=_POLL)
            except queue.Empty:
                if self.stalled:
                    raise Stalled('the target took no data for %g s'
                                  % self.stall_timeout)

    def __iter__(self):
        """The chunks, as they come."""
        while True:
            data = self.read()
            if not data:
                return
            yield data

    def close(self):
        """The upload is over: the reader stops feeding this pipe."""
        self._closed.set()
        while True:
            try:
                self._queue.get_nowait()
            except queue.Empty:
                return

    @property
    def closed(self):
        return self._closed.is_set()


def timely_chunks(raw, chunk_size, stall_timeout, between_reads=None):
    """Chunks of ``chunk_size`` from a urllib3 response, each in time.

    Raises Stalled when one takes longer than ``stall_timeout`` to come,
    however its bytes trickle in (a read timeout alone would wait for ever
    on a byte every few seconds). ``between_reads()``, called before each
    read, may raise to stop the transfer: a cancel or a stop is seen
    within a read, not a chunk.
    """
    while True:
        deadline = time.monotonic() + stall_timeout
        parts, size = [], 0
        while size < chunk_size:
            if between_reads is not None:
                between_reads()
            part = raw.read1(chunk_size - size)
            if not part:
                break
            parts.append(part)
            size += len(part)
            if time.monotonic() > deadline and size < chunk_size:
                raise Stalled('the source sent less than a chunk in %g s'
                              % stall_timeout)
        if not size:
            return
        # Joined once: a chunk's bytes are copied once, whatever the parts
        # (and not at all when it came whole).
        yield b''.join(parts)
        if size < chunk_size:
            return


class WrongSize(ValueError):
    """The source sent more, or less, data than its size."""

    def __str__(self):
        return 'the source sent %s data than its size' % self.args[0]


def exactly(chunks, size):
    """The chunks of a stream of ``size`` bytes: no more, its end seen.

    The chunk that completes ``size`` is passed on only once the stream has
    ended (in time: see timely_chunks), so that no target has all of its
    bytes before the stream is known to be the image's. Raises WrongSize
    for more data, or less. A size of None (not known before the end):
    the chunks as they come.
    """
    if size is None:
        yield from chunks
        return
    total = 0
    chunks = iter(chunks)
    last = None
    for chunk in chunks:
        total += len(chunk)
        if total > size:
            raise WrongSize('more')
        if total == size:
            last = chunk
            break
        yield chunk
    if total < size:
        raise WrongSize('less')
    if any(chunks):
        raise WrongSize('more')
    if last:
        yield last


# The algorithm Glint hashes image data with when the source has none:
# Glance's default.
DEFAULT_HASH = 'sha512'


def hashed(chunks, digests):
    """Pass ``chunks`` on, each into every hashlib object of ``digests``."""
    for chunk in chunks:
        for digest in digests:
            digest.update(chunk)
        yield chunk


def checked_last(chunks, check):
    """Pass ``chunks`` on, the last one only once ``check()`` passes."""
    previous = None
    for chunk in chunks:
        if previous is not None:
            yield previous
        previous = chunk
    check()
    if previous is not None:
        yield previous


def fan_out(chunks, pipes, on_chunk=None):
    """Read ``chunks`` once and put each into every open pipe.

    Returns the number of bytes read. ``on_chunk(bytes_read)`` is called
    after each chunk and may raise to stop the transfer. Stops early once
    every pipe is closed. The pipes are not ended here: the caller ends them,
    with an error if this raised.

    The data is hashed on its way here (see hashed), and each target's
    Glance hashes what it receives: Glint compares the two.
    """
    total = 0
    for chunk in chunks:
        if not chunk:
            continue
        total += len(chunk)
        open_pipes = [pipe for pipe in pipes if pipe.put(chunk)]
        if on_chunk is not None:
            on_chunk(total)
        if not open_pipes:
            break
    return total
