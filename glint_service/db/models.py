"""Glint's tables. The schema itself is made by the alembic migrations."""

import sqlalchemy as sa
from sqlalchemy import orm


class Base(orm.DeclarativeBase):
    pass


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
