"""Fan-out: read a stream once, write it to many at the same time.

One reader takes chunks from the source and puts each into every target's
pipe: a bounded queue that the target's upload takes them from. A slow target
holds the others back only once its own pipe is full; a target that fails
closes its pipe and the reader goes on without it. Memory is bounded by the
pipes' sizes, whatever the size of the image.
"""

import queue
import threading

_END = object()
_POLL = 0.2


class Pipe(object):
    """A bounded queue of chunks from the reader to one target's upload."""

    def __init__(self, max_chunks):
        self._queue = queue.Queue(max_chunks)
        self._closed = threading.Event()
        self._pending = b''
        self._ended = False
        self.bytes_taken = 0
        # Set when the reader stopped the transfer (cancel, source failure).
        self.stopped_by_reader = None

    # The reader's side.

    def put(self, item):
        """Queue a chunk, the end or an error; False if the target is gone."""
        while not self._closed.is_set():
            try:
                self._queue.put(item, timeout=_POLL)
                return True
            except queue.Full:
                pass
        return False

    def end(self, error=None):
        """No more chunks: the upload reads the end, or ``error``."""
        self.stopped_by_reader = error
        self.put(_END if error is None else error)

    # The upload's side: read like a file, or iterated over.

    def read(self, size=-1):
        if not self._pending and not self._ended:
            item = self._queue.get()
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


def fan_out(chunks, pipes, on_chunk=None):
    """Read ``chunks`` once and put each into every open pipe.

    Returns the number of bytes read. ``on_chunk(bytes_read)`` is called
    after each chunk and may raise to stop the transfer. Stops early once
    every pipe is closed. The pipes are not ended here: the caller ends them,
    with an error if this raised.

    The data is not hashed here: each target's Glance hashes what it
    receives, and Glint compares that with the source's os_hash_value.
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
