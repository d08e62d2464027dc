"""The fan-out: one read, many bounded pipes."""

import hashlib
import threading
import time

import pytest

from glint_service.engine import transfer


def drain(pipe, out, size=7):
    while True:
        data = pipe.read(size)
        if not data:
            return
        out.append(data)


def test_every_pipe_gets_every_byte_in_order():
    chunks = [bytes([i]) * 10 for i in range(50)]
    pipes = [transfer.Pipe(2) for _ in range(3)]
    outs = [[] for _ in pipes]
    readers = [threading.Thread(target=drain, args=(p, o))
               for p, o in zip(pipes, outs)]
    for reader in readers:
        reader.start()
    total = transfer.fan_out(iter(chunks), pipes)
    for pipe in pipes:
        pipe.end()
    for reader in readers:
        reader.join(5)
    assert total == 500
    for pipe, out in zip(pipes, outs):
        assert b''.join(out) == b''.join(chunks)
        assert pipe.bytes_taken == 500


def test_source_is_read_lazily_and_memory_is_bounded():
    """The reader is never more than the pipe's size ahead of a reader."""
    produced = []

    def source():
        for i in range(100):
            produced.append(i)
            yield b'x' * 1000

    pipe = transfer.Pipe(3)
    thread = threading.Thread(target=transfer.fan_out,
                              args=(source(), [pipe]))
    thread.start()
    # Three chunks queued, one in the reader's hand waiting for room; a
    # reader that read ahead would have taken more by the time the pipe is
    # full, and more again a moment later.
    deadline = time.monotonic() + 60
    while not pipe._queue.full():
        assert time.monotonic() < deadline, 'the pipe never filled'
        time.sleep(0.01)
    time.sleep(0.3)
    assert len(produced) <= 5
    pipe.close()
    thread.join(5)
    assert not thread.is_alive()


def test_a_closed_pipe_does_not_stop_the_others():
    pipes = [transfer.Pipe(1), transfer.Pipe(1)]
    pipes[0].close()
    out = []
    reader = threading.Thread(target=drain, args=(pipes[1], out))
    reader.start()
    total = transfer.fan_out(iter([b'a' * 5] * 20), pipes)
    pipes[1].end()
    reader.join(5)
    assert total == 100
    assert b''.join(out) == b'a' * 100


def test_reading_stops_once_every_pipe_is_closed():
    reads = []

    def source():
        for i in range(1000):
            reads.append(i)
            yield b'z'

    pipe = transfer.Pipe(1)
    pipe.close()
    transfer.fan_out(source(), [pipe])
    assert len(reads) == 1


def test_an_error_ends_the_upload_with_that_error():
    pipe = transfer.Pipe(2)
    pipe.put(b'abc')
    pipe.end(RuntimeError('source gone'))
    assert pipe.read() == b'abc'
    with pytest.raises(RuntimeError):
        pipe.read()
    assert pipe.stopped_by_reader is not None


def test_on_chunk_may_stop_the_transfer():
    def stop(total):
        if total >= 3:
            raise KeyError('stop')

    with pytest.raises(KeyError):
        transfer.fan_out(iter([b'a'] * 10), [transfer.Pipe(20)], stop)


def test_a_pipe_iterates_over_its_chunks_until_the_end():
    pipe = transfer.Pipe(4)
    for chunk in (b'ab', b'cd', b'e'):
        pipe.put(chunk)
    pipe.end()
    assert list(pipe) == [b'ab', b'cd', b'e']
    assert pipe.bytes_taken == 5


def test_a_pipe_raises_the_readers_error_to_its_iteration():
    pipe = transfer.Pipe(4)
    pipe.put(b'ab')
    pipe.end(RuntimeError('source gone'))
    chunks = iter(pipe)
    assert next(chunks) == b'ab'
    with pytest.raises(RuntimeError, match='source gone'):
        next(chunks)


def test_a_target_that_takes_nothing_stalls_and_the_others_go_on():
    stuck, fine = transfer.Pipe(1, stall_timeout=0.5), transfer.Pipe(1)
    out = []
    reader = threading.Thread(target=drain, args=(fine, out))
    reader.start()
    total = transfer.fan_out(iter([b'a', b'b', b'c']), [stuck, fine])
    fine.end()
    reader.join(5)
    assert total == 3 and b''.join(out) == b'abc'
    assert stuck.stalled and stuck.closed
    # Its upload, when it reads again, learns why.
    with pytest.raises(transfer.Stalled, match='took no data for 0.5 s'):
        stuck.read()


class Trickle(object):
    """A urllib3 response whose bytes come in pieces, slowly or not."""

    def __init__(self, data, piece, delay=0.0):
        self.data = data
        self.piece = piece
        self.delay = delay

    def read1(self, size):
        time.sleep(self.delay)
        part, self.data = (self.data[:min(size, self.piece)],
                           self.data[min(size, self.piece):])
        return part


def test_timely_chunks_are_whole_chunks_of_what_comes_in_pieces():
    data = bytes(range(25))
    chunks = list(transfer.timely_chunks(Trickle(data, 3), 10, 5))
    assert chunks == [data[:10], data[10:20], data[20:]]
    assert {type(chunk) for chunk in chunks} == {bytes}
    assert list(transfer.timely_chunks(Trickle(data, 10), 10, 5)) == chunks
    assert list(transfer.timely_chunks(Trickle(b'', 3), 10, 5)) == []


def test_a_source_that_trickles_stalls():
    chunks = transfer.timely_chunks(Trickle(b'y' * 100, 1, delay=0.05),
                                    50, 0.5)
    with pytest.raises(transfer.Stalled, match='less than a chunk'):
        list(chunks)


@pytest.mark.parametrize('chunks, size', [
    ([b'abc', b'de'], 5), ([b'abcde'], 5), ([], 0)])
def test_a_stream_of_its_size_passes_whole(chunks, size):
    assert list(transfer.exactly(iter(chunks), size)) == chunks


@pytest.mark.parametrize('chunks, size, said', [
    ([b'abc', b'def'], 5, 'more'), ([b'abcde', b'f'], 5, 'more'),
    ([b'abc'], 5, 'less'), ([b'x'], 0, 'more')])
def test_a_stream_of_another_size_is_refused(chunks, size, said):
    with pytest.raises(transfer.WrongSize, match=said):
        list(transfer.exactly(iter(chunks), size))


def test_the_chunk_that_completes_the_size_waits_for_the_streams_end():
    """A source that sends its size, then trickles: the end decides."""
    given = []

    def source():
        yield b'abc'
        yield b'de'
        given.append('end asked for')
        yield b'more'

    passed = transfer.exactly(source(), 5)
    assert next(passed) == b'abc'
    with pytest.raises(transfer.WrongSize):
        next(passed)
    assert given == ['end asked for']


def test_the_last_chunk_waits_for_the_check():
    checked = []

    def check():
        checked.append(True)
        raise ValueError('no')

    passed = transfer.checked_last(iter([b'a', b'b']), check)
    assert next(passed) == b'a'
    with pytest.raises(ValueError):
        next(passed)
    assert checked == [True]


def test_the_data_is_hashed_as_it_passes():
    digests = [hashlib.sha512(), hashlib.md5()]
    passed = list(transfer.hashed(iter([b'ab', b'c']), digests))
    assert passed == [b'ab', b'c']
    assert digests[0].hexdigest() == hashlib.sha512(b'abc').hexdigest()
    assert digests[1].hexdigest() == hashlib.md5(b'abc').hexdigest()


def test_a_stop_is_seen_between_two_reads_of_a_chunk():
    """A cancel, or the engine's stop, waits for no chunk to be whole."""
    source = Trickle(b'z' * 100, 1)
    reads = []

    def between_reads():
        reads.append(len(source.data))
        if len(reads) == 3:
            raise RuntimeError('cancelled')

    with pytest.raises(RuntimeError, match='cancelled'):
        next(transfer.timely_chunks(source, 50, 300, between_reads))
    assert len(source.data) == 98
