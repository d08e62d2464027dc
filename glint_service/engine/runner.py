"""Runs one migration: the source read once, streamed to every target.

For each target: open its Glance, skip it if it holds the same content
already (on_conflict=skip_identical), else create an image with the source's
metadata and upload into it from a pipe that the one reader fills. Then check
every target's size and os_hash_value against the source's. Whatever fails or
is cancelled leaves no image behind: Glint deletes it, now or, if that
target's Glance does not answer, later (see ``engine``).

What happens is told to the run's ``Journal``, the one writer of the
migration's record (see there).
"""

import contextlib
import threading
import time

from oslo_log import log as logging

from glint_service import cloud_access
from glint_service.db import api as db_api
from glint_service import exception
from glint_service import glance
from glint_service import inspection
from glint_service import outbound
from glint_service import sources
from glint_service import transfer

LOG = logging.getLogger(__name__)

INTERRUPTED = ('interrupted: the Glint engine that ran it stopped, or lost '
               'its database, before it ended')
STOPPED = ('interrupted: the Glint engine that ran it stopped, and a partial '
           'image could not be deleted at once')

SourceError = sources.SourceError


class Cancelled(Exception):
    pass


class HandedBack(Exception):
    """The engine is stopping: the migration goes back to the queue."""


class Target(object):
    """One target of the running migration, as its journal keeps it."""

    def __init__(self, record):
        self.position = record.position
        self.cloud_id = record.cloud_id
        self.status = record.status
        self.image_id = record.image_id
        self.error = record.error
        self.leftover = record.leftover
        self.written = record.bytes_written
        self.settings = record.settings
        # Whether image_id is an image Glint made, which it may delete (not
        # the identical image a skipped target reports).
        self.made = self.unfinished and self.image_id is not None
        self.glance = None
        self.pipe = None
        self.thread = None

    @property
    def unfinished(self):
        return self.status in ('queued', 'copying', 'verifying')

    def record(self):
        """What the database keeps of it."""
        if self.pipe is not None:
            self.written = self.pipe.bytes_taken
        return {'status': self.status, 'error': self.error,
                'image_id': self.image_id, 'leftover': self.leftover,
                'bytes_written': self.written}


class Journal(object):
    """A running migration's state, and the one writer of its record.

    The transfer tells it what happens to each target (``set``, ``fail``)
    and how many bytes were read; it writes that with ``save`` (every
    progress_interval, and at once when the targets' images are made, so
    that a run that dies leaves the ids of the images to delete), and the
    migration's end once, with every target's (``end``). A database that
    cannot be reached is handled here alone: records are skipped for up to
    half a lease, then the run stops (DatabaseUnavailable) before another
    engine may take the migration for abandoned.
    """

    def __init__(self, db, migration, lease_seconds):
        self.db = db
        self.migration = migration
        self.targets = [Target(record) for record in migration.targets]
        self.bytes_read = 0
        self.patience = lease_seconds / 2
        self.recorded = time.monotonic()
        self._lock = threading.Lock()

    def set(self, target, **values):
        with self._lock:
            for name, value in values.items():
                setattr(target, name, value)

    def fail(self, target, error):
        LOG.warning('Migration %s: target %s failed: %s',
                    self.migration.id, target.cloud_id, error)
        self.set(target, status='failed', error=error)

    def save(self):
        """Record progress; returns whether a cancel was asked for.

        A database that cannot be reached for a moment does not stop the
        transfer: that record is skipped, up to ``patience`` seconds.
        """
        with self._lock:
            targets = {t.position: t.record() for t in self.targets}
        now = time.monotonic()
        try:
            cancel = self.db.save_progress(self.migration.id,
                                           self.bytes_read, targets)
        except exception.DatabaseUnavailable:
            if now - self.recorded > self.patience:
                raise
            return False
        self.recorded = now
        return cancel

    def end(self, status, error=None):
        """Record the migration's end and every target's, at once."""
        with self._lock:
            targets = {t.position: t.record() for t in self.targets}
        self.db.end_migration(self.migration.id, targets, status=status,
                              error=error, bytes_read=self.bytes_read,
                              finished_at=db_api.utcnow())
        LOG.info('Migration %s %s', self.migration.id, status)

    def outcome(self, error=None):
        """The migration's status, and its error, from its targets'."""
        statuses = {t.status for t in self.targets}
        if 'cancelled' in statuses:
            status = 'cancelled'
        elif statuses <= {'succeeded', 'skipped'}:
            status = 'succeeded'
        elif statuses & {'succeeded', 'skipped'}:
            status = 'partial'
        else:
            status = 'failed'
        if error is None and status in ('partial', 'failed'):
            error = '; '.join('%s: %s' % (t.cloud_id, t.error)
                              for t in self.targets if t.status == 'failed')
        return status, error


class Runner(object):
    """Runs migrations: one ``run`` per migration, in a thread of its own.

    ``notifier`` (see notifications) is told of each migration's start and
    end; ``stopping``, an Event, is set when the engine stops: a migration
    still streaming then goes back to the queue.
    """

    def __init__(self, state, notifier, stopping):
        self.state = state
        self.db = state.db
        self.conf = state.conf.migrations
        self.lease_seconds = state.conf.engine.lease_seconds
        self.notifier = notifier
        self.stopping = stopping

    def run(self, migration_id):
        """Run a migration; returns its status ('queued' if handed back)."""
        migration = self.db.get_migration(migration_id)
        journal = Journal(self.db, migration, self.lease_seconds)
        clouds = cloud_access.MigrationClouds(self.state, migration)
        LOG.info('Migration %s: image %s from %s to %s', migration.id,
                 migration.image_id, migration.source,
                 ', '.join(t.cloud_id for t in journal.targets))
        self.notifier.started(migration)
        try:
            status = self._transfer(migration, journal, clouds,
                                    sources.GlanceImage(clouds, migration))
        except exception.DatabaseUnavailable:
            # Its end cannot be recorded: its lease runs out and another
            # engine ends it. The images made go now, as far as they can.
            for target in journal.targets:
                if target.unfinished:
                    self._remove_image(journal, target)
            raise
        if status != 'queued':
            self.notifier.ended(self.db.get_migration(migration.id))
        return status

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
        opening = Opening(source)
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
            if target.status == 'verifying':
                self._verify(migration, journal, target)
            if target.status in ('failed', 'cancelled'):
                self._remove_image(journal, target)
        status, error = journal.outcome(outcome)
        journal.end(status, error)
        return status

    def _prepare_all(self, migration, journal, clouds, metadata):
        """Make every target ready, side by side.

        Each is a login and a call or two to its own cloud.
        """
        preparing = [threading.Thread(
            target=self._prepare,
            args=(migration, journal, clouds, target, metadata))
            for target in journal.targets if target.unfinished]
        for thread in preparing:
            thread.start()
        for thread in preparing:
            thread.join()
        LOG.debug('Migration %s: targets ready: %s', migration.id,
                  ', '.join('%s %s' % (t.cloud_id, t.status)
                            for t in journal.targets))

    def _prepare(self, migration, journal, clouds, target, metadata):
        try:
            target.glance = clouds.glance(target.cloud_id)
            if migration.on_conflict == 'skip_identical':
                identical = target.glance.find_identical(
                    migration.os_hash_algo, migration.os_hash_value)
                if identical is not None:
                    journal.set(target, status='skipped',
                                image_id=identical['id'])
                    return
            settings = target.settings or {
                'name': migration.name or migration.image_name,
                'visibility': migration.visibility}
            image_id = target.glance.create_image(
                metadata, settings['name'], settings['visibility'])
            journal.set(target, status='copying', image_id=image_id,
                        made=True)
        except Exception as error:
            journal.fail(target, describe(error))

    def _stop_before_data(self, journal, reason):
        """The source cannot be read: every target fails, nothing is left."""
        for target in journal.targets:
            if target.unfinished:
                journal.fail(target, reason)
            if target.status == 'failed':
                self._remove_image(journal, target)
        journal.end('failed', reason)
        return 'failed'

    def _cancel_before_data(self, journal):
        for target in journal.targets:
            if target.unfinished:
                journal.set(target, status='cancelled', error='cancelled')
                self._remove_image(journal, target)
        journal.end('cancelled')
        return 'cancelled'

    def _hand_back(self, journal):
        """The engine stops: its images deleted, the migration queued again.

        Run again from the start by the next engine that claims it. If an
        image cannot be deleted at once, the migration ends as interrupted
        instead, its image left to the cleanup.
        """
        for target in journal.targets:
            if target.unfinished:
                journal.set(target, status='cancelled')
                self._remove_image(journal, target)
        if any(target.leftover for target in journal.targets):
            for target in journal.targets:
                if target.status == 'cancelled':
                    journal.fail(target, STOPPED)
            journal.end('failed', STOPPED)
            return 'failed'
        self.db.requeue_migration(journal.migration.id)
        LOG.info('Migration %s handed back to the queue: this engine stops',
                 journal.migration.id)
        return 'queued'

    def _remove_image(self, journal, target):
        """Delete the image Glint made at a target that did not succeed."""
        if not target.made or target.glance is None:
            return
        try:
            target.glance.delete_image(target.image_id)
        except Exception as error:
            LOG.warning('Migration %s: image %s at %s not deleted yet (%s); '
                        'will try again', journal.migration.id,
                        target.image_id, target.cloud_id,
                        type(error).__name__)
            journal.set(target, leftover=True)

    def _stream(self, migration, journal, opening, metadata):
        """Read the source once into every copying target's upload.

        The data is inspected on the way (see inspection): the last chunk
        goes to the targets only once it is known to be safe.

        Returns None, or why the whole transfer stopped. Raises HandedBack
        when the engine stops meanwhile.
        """
        copying = [t for t in journal.targets if t.status == 'copying']
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
        stopped = None
        try:
            chunks = inspection.inspected(
                transfer.timely_chunks(data, self.conf.chunk_size,
                                       self.conf.stall_timeout),
                metadata.get('disk_format'), metadata.get('container_format'))
            total = transfer.fan_out(chunks, [t.pipe for t in copying],
                                     progress.after_chunk)
            still_copying = any(not t.pipe.closed for t in copying)
            if still_copying and total != migration.size:
                raise SourceError('the source sent a length of data '
                                  'other than its size')
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
                    journal.set(target, status='cancelled',
                                error='cancelled')
            return 'cancelled'
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
            if target.status == 'copying':
                journal.set(target, status='verifying')
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
        if copy.get('size') != migration.size:
            return journal.fail(target, 'the copy does not have the '
                                "source's size")
        if copy.get('os_hash_value') != migration.os_hash_value:
            return journal.fail(target, "the copy's os_hash_value differs "
                                "from the source's")
        journal.set(target, status='succeeded')

    # A migration whose engine is gone.

    def recover(self, migration_id, reason=INTERRUPTED):
        """End a migration left running, such as by an engine that is gone.

        Its unfinished targets fail with ``reason`` and the images Glint
        made there are deleted.
        """
        migration = self.db.get_migration(migration_id)
        journal = Journal(self.db, migration, self.lease_seconds)
        journal.bytes_read = migration.bytes_read
        clouds = cloud_access.MigrationClouds(self.state, migration)
        LOG.warning('Migration %s was left running: ending it (%s)',
                    migration.id, reason)
        for target in journal.targets:
            if not target.unfinished:
                continue
            journal.fail(target, reason)
            if target.made:
                try:
                    target.glance = clouds.glance(target.cloud_id)
                except Exception:
                    journal.set(target, leftover=True)
                    continue
                self._remove_image(journal, target)
        journal.end('failed', reason)
        self.notifier.ended(self.db.get_migration(migration.id))

    def remove_leftover(self, record):
        """Try again to delete an image Glint left at a target."""
        migration = self.db.get_migration(record.migration_id)
        clouds = cloud_access.MigrationClouds(self.state, migration)
        try:
            clouds.glance(record.cloud_id).delete_image(record.image_id)
        except Exception as error:
            LOG.debug('Leftover image %s at %s not deleted yet: %s',
                      record.image_id, record.cloud_id,
                      type(error).__name__)
            return False
        self.db.update_target(migration.id, record.position, leftover=False)
        LOG.info('Migration %s: leftover image %s at %s deleted',
                 migration.id, record.image_id, record.cloud_id)
        return True


class Opening(object):
    """A source (see sources) opened when its data is wanted, or before.

    ``start`` begins to open it in a thread of its own meanwhile. ``data``
    is the source's stream, or raises what opening it raised; ``close``
    ends it (once the opening begun has ended: it has a timeout).
    """

    def __init__(self, source):
        self.source = source
        self._stack = contextlib.ExitStack()
        self._thread = None
        self._data = self._error = None

    def start(self):
        self._thread = threading.Thread(target=self._open, daemon=True,
                                        name='glint-source')
        self._thread.start()

    def _open(self):
        try:
            self._data = self._stack.enter_context(self.source.open())
        except Exception as error:
            self._error = error

    def data(self):
        if self._thread is None:
            self.start()
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._data

    def close(self):
        if self._thread is not None:
            self._thread.join()
        self._stack.close()


class Progress(object):
    """What is checked after each chunk.

    The rate limit, the engine's stop, the progress record and a cancel.
    """

    def __init__(self, journal, conf, stopping):
        self.journal = journal
        self.stopping = stopping
        self.interval = conf.progress_interval
        self.max_rate = conf.max_rate
        self.started = self.last = time.monotonic()

    def after_chunk(self, bytes_read):
        self.journal.bytes_read = bytes_read
        if self.max_rate:
            ahead = bytes_read / self.max_rate - (
                time.monotonic() - self.started)
            if ahead > 0:
                time.sleep(ahead)
        if self.stopping.is_set():
            raise HandedBack('the engine stops')
        if time.monotonic() - self.last >= self.interval:
            self.last = time.monotonic()
            if self.journal.save():
                raise Cancelled('cancelled')


def describe(error):
    """A short account of an error, for a migration's record.

    Glint's own words (see outbound.describe): never a secret, nor what a
    remote end answered.
    """
    if isinstance(error, (SourceError, Cancelled, glance.TooManyPages,
                          transfer.Stalled)):
        return str(error)
    return outbound.describe(error)
