"""Glint's tables. The schema itself is made by its alembic versions
(``schema_versions/``)."""

import datetime
import uuid

import sqlalchemy as sa
from sqlalchemy import orm


def utcnow():
    """Now, in UTC, as the columns keep times (without a zone)."""
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def is_id(text):
    """Whether ``text`` may be the id of a row: Glint's ids are UUIDs.

    Other text is not looked up: no row has it, and MySQL may answer text
    beyond U+FFFF with an error, not with no row (an illegal mix of
    collations, for a table in utf8mb3 reached in utf8mb4).
    """
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


class Base(orm.DeclarativeBase):
    pass


def made_before(model, row, or_itself=False):
    """The rows of ``model`` made before ``row`` (or it, ``or_itself``).

    In the order of creation (the id settles a tie), so that of rows made
    at the same moment each is either before or after another.
    """
    same = model.id <= row.id if or_itself else model.id < row.id
    return sa.or_(model.created_at < row.created_at,
                  sa.and_(model.created_at == row.created_at, same))


class Cloud(Base):
    """A remote cloud of a project, with its credentials encrypted."""

    __tablename__ = 'clouds'
    __table_args__ = (
        sa.UniqueConstraint('project_id', 'name',
                            name='uniq_clouds0project_id0name'),
    )

    id = sa.Column(sa.String(36), primary_key=True)
    project_id = sa.Column(sa.String(64), nullable=False, index=True)
    created_by = sa.Column(sa.String(64), nullable=False)
    name = sa.Column(sa.String(255), nullable=False)
    auth_url = sa.Column(sa.String(1024), nullable=False)
    region_name = sa.Column(sa.String(255))
    auth_type = sa.Column(sa.String(64), nullable=False)
    interface = sa.Column(sa.String(16), nullable=False)
    verify = sa.Column(sa.Boolean, nullable=False)
    cacert = sa.Column(sa.Text)
    # The non-secret authentication fields (username, domains, remote
    # project, application credential id), as JSON.
    auth = sa.Column(sa.JSON, nullable=False)
    # The secret ones (password, application credential secret), encrypted.
    sealed_secrets = sa.Column(sa.Text, nullable=False)
    image_endpoint = sa.Column(sa.String(1024), nullable=False)
    created_at = sa.Column(sa.DateTime, nullable=False)
    updated_at = sa.Column(sa.DateTime, nullable=False)
    # When the remote end last refused its credentials, and why in Glint's
    # words; None once a login succeeds or they are replaced.
    credentials_refused_at = sa.Column(sa.DateTime)
    credentials_refused_reason = sa.Column(sa.String(255))
    # Until when one process exchanges its refresh token (see
    # db.clouds.Clouds.take_refresh_lease).
    refresh_lease_until = sa.Column(sa.DateTime)


class Migration(Base):
    """One image streamed from a source cloud to target clouds."""

    __tablename__ = 'migrations'
    # The queue's index (see db.queue.Queue.claim_next).
    __table_args__ = (
        sa.Index('ix_migrations_status_project_created',
                 'status', 'project_id', 'created_at'),
        # A project's last start (see db.queue.Queue._turns).
        sa.Index('ix_migrations_project_started', 'project_id',
                 'started_at'),
    )

    id = sa.Column(sa.String(36), primary_key=True)
    project_id = sa.Column(sa.String(64), nullable=False, index=True)
    created_by = sa.Column(sa.String(64), nullable=False)
    # The source image's; None for an upload.
    image_id = sa.Column(sa.String(64))
    image_name = sa.Column(sa.String(255))
    # local, a remote cloud's id, upload, or url (see source_link).
    source = sa.Column(sa.String(36), nullable=False)
    # A web link's url, checksum_url and decompress, as JSON.
    source_link = sa.Column(sa.JSON)
    name = sa.Column(sa.String(255))
    visibility = sa.Column(sa.String(16), nullable=False)
    on_conflict = sa.Column(sa.String(32), nullable=False)
    size = sa.Column(sa.BigInteger)
    os_hash_algo = sa.Column(sa.String(64))
    os_hash_value = sa.Column(sa.String(128))
    # What each copy takes from the source image (glance.copied_metadata),
    # as it was when the migration was asked for.
    image_metadata = sa.Column(sa.JSON)
    # Indexed by ix_migrations_status_project_created, which starts with it.
    status = sa.Column(sa.String(16), nullable=False)
    bytes_read = sa.Column(sa.BigInteger, nullable=False, default=0)
    error = sa.Column(sa.Text)
    # The Keystone trust that lets Glint act for the user in the local
    # cloud after the user's token has expired.
    trust_id = sa.Column(sa.String(64))
    cancel_requested = sa.Column(sa.Boolean, nullable=False, default=False)
    # The process running it, and until when its claim holds unless renewed.
    owner = sa.Column(sa.String(255))
    lease_until = sa.Column(sa.DateTime)
    created_at = sa.Column(sa.DateTime, nullable=False, index=True)
    updated_at = sa.Column(sa.DateTime, nullable=False)
    finished_at = sa.Column(sa.DateTime)
    # When an engine last claimed it to run.
    started_at = sa.Column(sa.DateTime)

    targets = orm.relationship('MigrationTarget', lazy='selectin',
                               order_by='MigrationTarget.position',
                               cascade='all, delete-orphan')


class MigrationTarget(Base):
    """One target cloud of a migration."""

    __tablename__ = 'migration_targets'

    id = sa.Column(sa.Integer, primary_key=True, autoincrement=True)
    migration_id = sa.Column(sa.String(36),
                             sa.ForeignKey('migrations.id',
                                           ondelete='CASCADE'),
                             nullable=False, index=True)
    position = sa.Column(sa.Integer, nullable=False)
    cloud_id = sa.Column(sa.String(36), nullable=False, index=True)
    status = sa.Column(sa.String(16), nullable=False)
    image_id = sa.Column(sa.String(64))
    bytes_written = sa.Column(sa.BigInteger, nullable=False, default=0)
    error = sa.Column(sa.Text)
    # Glint made an image at the target that must go (failed, cancelled)
    # and has not been able to delete it yet. Indexed.
    leftover = sa.Column(sa.Boolean, nullable=False, default=False,
                         index=True)
    # What the target's image is made with ({'name': ..., 'visibility':
    # ...}); None for a migration queued by a Glint that did not keep
    # them per target: the migration's own name and visibility apply.
    settings = sa.Column(sa.JSON)
