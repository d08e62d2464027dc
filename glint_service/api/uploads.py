"""An upload's data, streamed to its targets by the request that brings it.

The API process that receives ``PUT /v1/migrations/{id}/file`` runs the
migration itself, as an engine would (see engine.runner), with the
request's body as its source: read once, a chunk at a time, into every
target at once. It claims the migration with a lease, as an engine does,
and renews it while the data comes: if the process dies, the lease runs
out and an engine ends the migration as failed and deletes its partial
images (see engine.cleanup).
"""

import contextlib
import os
import socket
import threading
import uuid

from oslo_log import log as logging

from glint_service.engine import notifications
from glint_service.engine import runner
from glint_service import exception
from glint_service import states

LOG = logging.getLogger(__name__)


def receive(services, migration, data, size):
    """Stream ``data`` (``size`` bytes, or None) to the targets; its end.

    ``data`` has ``read(size)``: a WSGI server's input. Returns the
    migration's status once it has ended.
    """
    db = services.db
    lease_seconds = services.conf.engine.lease_seconds
    owner = 'glint-api-%s-%d-%s' % (socket.gethostname(), os.getpid(),
                                    uuid.uuid4().hex[:8])
    if not db.claim_upload(migration.id, owner, lease_seconds, size):
        raise exception.Conflict(
            'Migration %s is %s: it awaits no data.'
            % (migration.id, db.get_migration(migration.id).status))
    LOG.info('Upload %s: %s bytes coming', migration.id,
             'unknown' if size is None else size)
    notifier = notifications.Notifier(services.conf)
    try:
        with _leased(db, owner, migration.id, lease_seconds):
            return runner.Runner(services, notifier, threading.Event()).run(
                migration.id, data)
    finally:
        notifier.close()


@contextlib.contextmanager
def _leased(db, owner, migration_id, lease_seconds):
    """The migration's lease, renewed six times per lease while it runs."""
    done = threading.Event()

    def renew():
        while not done.wait(lease_seconds / 6):
            try:
                db.renew_leases(owner, [migration_id], lease_seconds)
            except exception.DatabaseUnavailable:
                pass  # The run itself stops past half a lease.

    thread = threading.Thread(target=renew, daemon=True,
                              name='glint-upload-lease')
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join(lease_seconds)


def size_of(request, migration):
    """The bytes an upload's request brings.

    What it says, or what the upload said; 400 when they differ. None
    when neither says (a chunked body): the data is then streamed to its
    end, and the copies take the size that came.
    """
    length = request.content_length
    if length is not None and migration.size is not None and (
            length != migration.size):
        raise exception.InvalidField(
            'Content-Length', 'the body has %d bytes; the upload was asked '
            'for with a size of %d' % (length, migration.size))
    return migration.size if length is None else length


def check_awaits_data(migration):
    """Conflict unless the migration is an upload awaiting its data."""
    if migration.source != runner.sources.UPLOAD:
        raise exception.Conflict('Migration %s copies an image: it takes no '
                                 'data.' % migration.id)
    if migration.status != states.AWAITING_DATA:
        raise exception.Conflict('Migration %s is %s: it awaits no data.'
                                 % (migration.id, migration.status))
