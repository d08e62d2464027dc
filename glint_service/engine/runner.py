"""Runs one migration: the source read once, streamed to every target.

For each target: open its Glance, skip it if it holds the same content
already (on_conflict=skip_identical), else create an image with the source's
metadata and upload into it from a pipe that the one reader fills. Then check
every target's size and os_hash_value against the source's. Whatever fails or
is cancelled leaves no image behind: Glint deletes it, now or, if that
target's Glance does not answer, later (see ``cleanup``).

What happens is told to the run's ``journal.Journal``, the one writer of
the migration's record (see there).
"""

import contextlib
import hashlib
import threading
import time
import uuid

from oslo_log import log as logging

from glint_service.clouds import access
from glint_service.clouds import glance
from glint_service.clouds import outbound
from glint_service.engine import cleanup
from glint_service.engine import inspection
from glint_service.engine import journal as journal_
from glint_service.engine import sources
from glint_service.engine import transfer
from glint_service import exception
from glint_service import states

LOG = logging.getLogger(__name__)

STOPPED = ('interrupted: the Glint engine that ran it stopped, and a partial '
           'image could not be deleted at once')

SourceError = sources.SourceError

# The calls to a cloud to prepare a target or open a source, at most: the
# login and its discovery, then a call or two to its Glance.
CALLS = 5

# How many clouds' hash algorithms a runner remembers, at most.
MAX_CLOUDS_KNOWN = 1024


class Cancelled(Exception):
    pass


class HandedBack(Exception):
    """The engine is stopping: the migration goes back to the queue."""


class Runner(object):
    """Runs migrations: one ``run`` per migration, in a thread of its own.

    ``notifier`` (see notifications) is told of each migration's start and
    end; ``stopping``, an Event, is set when the engine stops: a migration
    still streaming then goes back to the queue.
    """

    def __init__(self, services, notifier, stopping):
        self.services = services
        self.db = services.db
        self.conf = services.conf.migrations
        self.lease_seconds = services.conf.engine.lease_seconds
        self.notifier = notifier
        self.stopping = stopping
        # What preparing a target or opening the source may take at most:
        # a few calls, each within its deadline, a listing, and retries of
        # the database for up to half a lease. A thread still at it then
        # is not waited for.
        self.prepare_seconds = (CALLS * services.outbound.deadline
                                + services.outbound.listing_seconds
                                + self.lease_seconds / 2)
        # The algorithm each target cloud's Glance hashes with, as its last
        # copy showed (see hash_algorithms): one record per process, which
        # the API's uploads share too.
        self.target_hash_algorithms = services.target_hash_algorithms

    def run(self, migration_id, data=None):
        """Run a migration; returns its status ('queued' if handed back).

        ``data``: an upload's, as it comes (see sources.Upload).
        """
        migration = self._load(migration_id)
        journal = journal_.Journal(self.db, migration, self.lease_seconds)
        clouds = access.MigrationClouds(self.services, migration)
        LOG.info('Migration %s: image %s from %s to %s', migration.id,
                 migration.image_id, migration.source,
                 ', '.join(t.cloud_id for t in journal.targets))
        self.notifier.started(migration)
        try:
            status = self._transfer(migration, journal, clouds,
                                    sources.of(clouds, migration, data))
        except (exception.DatabaseUnavailable, exception.LeaseLost):
            # Its end cannot be recorded: its lease runs out (or ran out:
            # it is another engine's now) and another engine ends it. The
            # images made go now, as far as they can.
            for target in journal.targets:
                if target.unfinished:
                    cleanup.remove_image(journal, target)
            raise
        if status != states.QUEUED:
            self.notifier.ended(self.db.get_migration(migration.id))
        return status

    def _load(self, migration_id):
        """The migration just claimed, read while the database comes back.

        Tried again each second, for up to half a lease.
        """
        claimed = time.monotonic()
        while True:
            try:
                return self.db.get_migration(migration_id)
            except exception.DatabaseUnavailable:
                if time.monotonic() - claimed > self.lease_seconds / 2:
                    raise
                time.sleep(journal_.RETRY_SECONDS)

    def _transfer(self, migration, journal, clouds, source):
        """All of the run; returns the status."""
        try:
            metadata = source.metadata()
        except Exception as error:
            return self._stop_before_data(journal, 'source: %s'
                                          % describe(error))
        # Every target copies unless it holds the image already: then the
        # source is opened (a login and a first answer) while they are
        # prepared, not after.
        opening = Opening(source, self.prepare_seconds)
        if migration.on_conflict != 'skip_identical':
            opening.start()
        try:
            self._prepare_all(migration, journal, clouds, metadata)
            # The images made are recorded before any data flows.
            if journal.save():
                return self._cancel_before_data(journal)
            if self.stopping.is_set():
                return self._hand_back(journal)
            try:
                outcome = self._stream(migration, journal, opening, metadata)
            except HandedBack:
                return self._hand_back(journal)
            except Exception as error:
                return self._stop_before_data(journal, 'source: %s'
                                              % describe(error))
        finally:
            opening.close()
        LOG.debug('Migration %s: data streamed', migration.id)
        for target in journal.targets:
            if target.status == states.VERIFYING:
                self._verify(migration, journal, target)
            if target.status in (states.FAILED, states.CANCELLED):
                cleanup.remove_image(journal, target)
        status, error = journal.outcome(outcome)
        journal.end(status, error)
        return status

    def _prepare_all(self, migration, journal, clouds, metadata):
        """Make every target ready, side by side.

        Each is a login and a call or two to its own cloud.
        """
        unfinished = [t for t in journal.targets if t.unfinished]
        preparing = [threading.Thread(
            target=self._prepare, daemon=True,
            args=(migration, journal, clouds, target, metadata))
            for target in unfinished]
        for thread in preparing:
            thread.start()
        deadline = time.monotonic() + self.prepare_seconds
        for thread in preparing:
            thread.join(max(0, deadline - time.monotonic()))
        for target, thread in zip(unfinished, preparing):
            if thread.is_alive() and target.unfinished:
                journal.fail(target, 'its cloud was not ready within %d s'
                             % self.prepare_seconds)
        LOG.debug('Migration %s: targets ready: %s', migration.id,
                  ', '.join('%s %s' % (t.cloud_id, t.status)
                            for t in journal.targets))

    def _prepare(self, migration, journal, clouds, target, metadata):
        try:
            target.glance = clouds.glance(target.cloud_id)
            if migration.on_conflict == 'skip_identical':
                identical = target.glance.find_identical(
                    migration.os_hash_algo, migration.os_hash_value,
                    time.monotonic() + self.services.outbound.listing_seconds)
                if identical is not None:
                    journal.set(target, status=states.SKIPPED,
                                image_id=identical['id'])
                    return
            settings = target.settings or {
                'name': migration.name or migration.image_name,
                'visibility': migration.visibility}
            # The image's id is chosen, and recorded, before the image is
            # made: an engine that dies from here on leaves an id that the
            # one ending its migration deletes (one never made is fine).
            chosen = str(uuid.uuid4())
            journal.set(target, image_id=chosen, made=True)
            journal.save(keep=True)
            image_id = target.glance.create_image(
                metadata, settings['name'], settings['visibility'],
                image_id=chosen)
            if image_id != chosen:
                # A Glance that chose an id of its own.
                journal.set(target, image_id=image_id)
                journal.save(keep=True)
            if target.unfinished:  # Not given up on meanwhile.
                journal.set(target, status=states.COPYING)
        except Exception as error:
            journal.fail(target, describe(error))

    def _stop_before_data(self, journal, reason):
        """The source cannot be read: every target fails, nothing is left."""
        for target in journal.targets:
            if target.unfinished:
                journal.fail(target, reason)
            if target.status == states.FAILED:
                cleanup.remove_image(journal, target)
        journal.end(states.FAILED, reason)
        return states.FAILED

    def _cancel_before_data(self, journal):
        for target in journal.targets:
            if target.unfinished:
                journal.set(target, status=states.CANCELLED,
                            error=states.CANCELLED)
                cleanup.remove_image(journal, target)
        journal.end(states.CANCELLED)
        return states.CANCELLED

    def _hand_back(self, journal):
        """The engine stops: its images deleted, the migration queued again.

        Run again from the start by the next engine that claims it. If an
        image cannot be deleted at once, the migration ends as interrupted
        instead, its image left to the cleanup.
        """
        for target in journal.targets:
            if target.unfinished:
                journal.set(target, status=states.CANCELLED)
                cleanup.remove_image(journal, target)
        if any(target.leftover for target in journal.targets):
            for target in journal.targets:
                if target.status == states.CANCELLED:
                    journal.fail(target, STOPPED)
            journal.end(states.FAILED, STOPPED)
            return states.FAILED
        self.db.requeue_migration(journal.migration.id,
                                  journal.migration.owner)
        LOG.info('Migration %s handed back to the queue: this engine stops',
                 journal.migration.id)
        return states.QUEUED

    def _stream(self, migration, journal, opening, metadata):
        """Read the source once into every copying target's upload.

        The data is inspected on the way (see inspection): the last chunk
        goes to the targets only once it is known to be safe.

        Returns None, or why the whole transfer stopped. Raises HandedBack
        when the engine stops meanwhile.
        """
        copying = [t for t in journal.targets if t.status == states.COPYING]
        if not copying:
            return None
        data = opening.data()
        for target in copying:
            target.pipe = transfer.Pipe(self.conf.buffer_chunks,
                                        self.conf.stall_timeout)
            # A daemon: an upload stuck sending to a target that stalled is
            # left behind (see _join_upload), not waited for at exit.
            target.thread = threading.Thread(
                target=self._upload, args=(journal, target),
                name='glint-upload-%s-%d' % (migration.id[:8],
                                             target.position), daemon=True)
            target.thread.start()
        progress = Progress(journal, self.conf, self.stopping)
        digests = {algo: hashlib.new(algo) for algo in hash_algorithms(
            migration.os_hash_algo,
            [self.target_hash_algorithms.get(t.cloud_id) for t in copying])}
        stopped = None
        try:
            chunks = transfer.checked_last(
                inspection.inspected(
                    transfer.hashed(
                        transfer.exactly(
                            transfer.timely_chunks(
                                data, self.conf.chunk_size,
                                self.conf.stall_timeout, progress.poll),
                            migration.size),
                        digests.values()),
                    metadata.get('disk_format'),
                    metadata.get('container_format')),
                lambda: check_source_hash(migration, digests))
            total = transfer.fan_out(chunks, [t.pipe for t in copying],
                                     progress.after_chunk)
            if journal.size is None:
                journal.size = total
            journal.hashes = {algo: digest.hexdigest()
                              for algo, digest in digests.items()}
        except (Cancelled, HandedBack) as error:
            stopped = error
        except inspection.UnsafeImage as error:
            stopped = SourceError('the image is refused: %s' % error)
        except Exception as error:
            stopped = SourceError('source: %s' % describe(error))
        for target in copying:
            target.pipe.end(stopped)
        for target in copying:
            self._join_upload(journal, target)
        if isinstance(stopped, HandedBack):
            raise stopped
        if isinstance(stopped, Cancelled):
            for target in copying:
                if target.unfinished:
                    journal.set(target, status=states.CANCELLED,
                                error=states.CANCELLED)
            return states.CANCELLED
        if stopped is not None:
            for target in copying:
                if target.unfinished:
                    journal.fail(target, str(stopped))
            return str(stopped)
        return None

    def _join_upload(self, journal, target):
        """Wait for a target's upload to end; fail it if it stalls.

        An upload that takes in no data for stall_timeout (its target
        reads it too slowly) is left to end by itself.
        """
        target.thread.join(self.conf.stall_timeout)
        if target.thread.is_alive():
            target.pipe.stalled = True
            target.pipe.close()
            if target.unfinished:
                journal.fail(target, 'upload: the target took no data for '
                             '%g s' % self.conf.stall_timeout)

    def _upload(self, journal, target):
        try:
            target.glance.upload(target.image_id, target.pipe,
                                 journal.migration.size)
            if target.status == states.COPYING:
                journal.set(target, status=states.VERIFYING)
        except Exception as error:
            if not target.pipe.stopped_by_reader:
                journal.fail(target, 'upload: %s' % describe(error))
        finally:
            target.pipe.close()

    def _verify(self, migration, journal, target):
        try:
            copy = target.glance.get_image(target.image_id)
        except Exception as error:
            return journal.fail(target, 'verify: %s' % describe(error))
        if copy.get('status') != 'active':
            return journal.fail(target, 'the copy is %s, not active'
                                % glance.status_of(copy))
        if copy.get('size') != journal.size:
            return journal.fail(target, 'the copy does not have the '
                                "source's size")
        # Compared with what Glint hashed as the data passed, by the
        # algorithm of the target's Glance, or by the md5 checksum every
        # Glance keeps when Glint did not know that algorithm yet.
        algo = copy.get('os_hash_algo')
        if algo in journal.hashes:
            found, expected = copy.get('os_hash_value'), journal.hashes[algo]
        elif 'md5' in journal.hashes:
            found, expected = copy.get('checksum'), journal.hashes['md5']
        else:
            return journal.fail(target, "the copy's Glance hashes with an "
                                'algorithm Glint did not compute')
        if algo in hashlib.algorithms_guaranteed:
            self._learn_hash_algorithm(target.cloud_id, algo)
        if found != expected:
            return journal.fail(target, "the copy's hash differs from that "
                                'of the data Glint sent')
        journal.set(target, status=states.SUCCEEDED)

    def _learn_hash_algorithm(self, cloud_id, algo):
        if (cloud_id not in self.target_hash_algorithms
                and len(self.target_hash_algorithms) >= MAX_CLOUDS_KNOWN):
            self.target_hash_algorithms.clear()
        self.target_hash_algorithms[cloud_id] = algo


def hash_algorithms(source_algo, target_algos):
    """The algorithms Glint hashes a migration's data with.

    Glance's default and the source's own (where Python knows it), so that
    the source is checked; and each target's, so that each copy is compared
    by its own Glance's algorithm. ``target_algos`` holds what each target's
    last copy showed, or None for a target not known yet: then md5 as well,
    which every Glance keeps as ``checksum`` beside its own algorithm.
    """
    algorithms = {transfer.DEFAULT_HASH}
    for algo in [source_algo] + list(target_algos):
        if algo in hashlib.algorithms_guaranteed:
            algorithms.add(algo)
    if None in target_algos:
        algorithms.add('md5')
    return algorithms


def check_source_hash(migration, digests):
    """SourceError unless the data is what the source said it is."""
    digest = digests.get(migration.os_hash_algo)
    if digest is not None and migration.os_hash_value and (
            digest.hexdigest() != migration.os_hash_value):
        raise SourceError('the data does not match %s' % (
            'the hash the upload was asked with'
            if migration.source == sources.UPLOAD
            else "the source image's os_hash_value"))


class Opening(object):
    """A source (see sources) opened when its data is wanted, or before.

    ``start`` begins to open it in a thread of its own meanwhile. ``data``
    is the source's stream, or raises what opening it raised; ``close``
    ends it. Each waits for the opening for ``seconds`` at most.
    """

    def __init__(self, source, seconds):
        self.source = source
        self.seconds = seconds
        self._stack = contextlib.ExitStack()
        self._lock = threading.Lock()
        self._closed = False
        self._thread = None
        self._data = self._error = None

    def start(self):
        self._thread = threading.Thread(target=self._open, daemon=True,
                                        name='glint-source')
        self._thread.start()

    def _open(self):
        try:
            opened = self.source.open()
            data = opened.__enter__()
        except Exception as error:
            self._error = error
            return
        with self._lock:
            if not self._closed:
                self._stack.push(opened)
                self._data = data
                return
        opened.__exit__(None, None, None)  # Closed meanwhile.

    def data(self):
        if self._thread is None:
            self.start()
        self._thread.join(self.seconds)
        if self._thread.is_alive():
            raise SourceError('no answer within %d s' % self.seconds)
        if self._error is not None:
            raise self._error
        return self._data

    def close(self):
        if self._thread is not None:
            self._thread.join(self.seconds)
        with self._lock:
            # An opening still under way closes what it opens itself.
            self._closed = True
        self._stack.close()


class Progress(object):
    """What is checked after each chunk.

    The rate limit and floor, the engine's stop, the progress record and a
    cancel.
    """

    def __init__(self, journal, conf, stopping):
        self.journal = journal
        self.stopping = stopping
        self.interval = conf.progress_interval
        self.max_rate = conf.max_rate
        # The floor, never above the limit; from stall_timeout on.
        self.min_rate = min(conf.min_rate, conf.max_rate or conf.min_rate)
        self.grace = conf.stall_timeout
        self.started = self.last = time.monotonic()

    def after_chunk(self, bytes_read):
        self.journal.bytes_read = bytes_read
        elapsed = time.monotonic() - self.started
        if self.min_rate and elapsed > self.grace and (
                bytes_read < self.min_rate * elapsed):
            raise transfer.Stalled(
                'the transfer moved less than %d bytes per second on '
                'average ([migrations] min_rate)' % self.min_rate)
        if self.max_rate:
            ahead = bytes_read / self.max_rate - (
                time.monotonic() - self.started)
            if ahead > 0:
                time.sleep(ahead)
        self.poll()

    def poll(self):
        """Stop if the engine does, or (each progress_interval) if asked.

        After each chunk, and between two reads of one: a source that
        trickles its bytes delays neither.
        """
        if self.stopping.is_set():
            raise HandedBack('the engine stops')
        if time.monotonic() - self.last >= self.interval:
            self.last = time.monotonic()
            if self.journal.save():
                raise Cancelled(states.CANCELLED)


def describe(error):
    """A short account of an error, for a migration's record.

    Glint's own words (see outbound.describe): never a secret, nor what a
    remote end answered.
    """
    if isinstance(error, (SourceError, Cancelled, glance.TooManyPages,
                          transfer.Stalled, transfer.WrongSize,
                          access.NoTrust)):
        return str(error)
    return outbound.describe(error)
