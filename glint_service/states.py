"""The statuses of a migration and of its targets, and what they mean.

Every process, the database layer and the API spell a status by its name
here. The client (``glintclient.states``) keeps its own copy, which a unit
test checks against this one.
"""

# A migration's statuses. An upload awaits its data before it runs.
AWAITING_DATA = 'awaiting_data'
QUEUED = 'queued'
RUNNING = 'running'
SUCCEEDED = 'succeeded'
PARTIAL = 'partial'
FAILED = 'failed'
CANCELLED = 'cancelled'

MIGRATION_STATUSES = (AWAITING_DATA, QUEUED, RUNNING, SUCCEEDED, PARTIAL,
                      FAILED, CANCELLED)
# A migration in one of these has not ended: it may still make images, it
# counts against the quota, and its trust is still needed.
UNFINISHED = (AWAITING_DATA, QUEUED, RUNNING)
# A migration in one of these is cancelled at once: no process runs it.
NOT_STARTED = (AWAITING_DATA, QUEUED)

# A target's statuses: queued, then copying, verifying, and its end.
COPYING = 'copying'
VERIFYING = 'verifying'
SKIPPED = 'skipped'

TARGET_STATUSES = (QUEUED, COPYING, VERIFYING, SUCCEEDED, SKIPPED, FAILED,
                   CANCELLED)
TARGET_UNFINISHED = (QUEUED, COPYING, VERIFYING)
# A target in one of these holds the image: one Glint made, or an identical
# one it found there.
TARGET_DONE = (SUCCEEDED, SKIPPED)
# A target in one of these has been sent all of the image's data.
ALL_SENT = (VERIFYING, SUCCEEDED, SKIPPED)
