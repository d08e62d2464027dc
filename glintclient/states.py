"""The statuses of Glint's migrations and their targets, as the API shows
them: the client's and the dashboard's copy of the service's
``glint_service.states`` (a unit test checks that they agree)."""

AWAITING_DATA = 'awaiting_data'
QUEUED = 'queued'
RUNNING = 'running'
SUCCEEDED = 'succeeded'
PARTIAL = 'partial'
FAILED = 'failed'
CANCELLED = 'cancelled'

MIGRATION_STATUSES = (AWAITING_DATA, QUEUED, RUNNING, SUCCEEDED, PARTIAL,
                      FAILED, CANCELLED)
# A migration in one of these has not ended.
UNFINISHED = (AWAITING_DATA, QUEUED, RUNNING)
# A migration in one of these is cancelled at once: no process runs it.
NOT_STARTED = (AWAITING_DATA, QUEUED)

COPYING = 'copying'
VERIFYING = 'verifying'
SKIPPED = 'skipped'

TARGET_STATUSES = (QUEUED, COPYING, VERIFYING, SUCCEEDED, SKIPPED, FAILED,
                   CANCELLED)
TARGET_UNFINISHED = (QUEUED, COPYING, VERIFYING)
TARGET_DONE = (SUCCEEDED, SKIPPED)
# A target in one of these has been sent all of the image's data.
ALL_SENT = (VERIFYING, SUCCEEDED, SKIPPED)
