"""Glint's policy rules and their defaults (reader, member, admin)."""

import itertools

from glint_service.api.policies import base
from glint_service.api.policies import clouds
from glint_service.api.policies import images
from glint_service.api.policies import migrations
from glint_service.api.policies import x509_users


def list_rules():
    return list(itertools.chain(base.list_rules(), clouds.list_rules(),
                                images.list_rules(),
                                migrations.list_rules(),
                                x509_users.list_rules()))
