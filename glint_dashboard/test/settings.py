"""Django settings for the plugin's unit tests: Horizon's test settings with
Glint's enabled files added, as a deployment links them.
"""

from openstack_dashboard.test.settings import *  # noqa: F403,H303
from openstack_dashboard.utils import settings as settings_utils

import glint_dashboard.enabled
import openstack_dashboard.enabled

INSTALLED_APPS = list(INSTALLED_APPS)  # noqa: F405
HORIZON_CONFIG.pop('dashboards', None)  # noqa: F405
HORIZON_CONFIG.pop('default_dashboard', None)  # noqa: F405
settings_utils.update_dashboards(
    [openstack_dashboard.enabled, glint_dashboard.enabled],
    HORIZON_CONFIG,  # noqa: F405
    INSTALLED_APPS)
# Horizon's settings added its own apps already.
INSTALLED_APPS = list(dict.fromkeys(INSTALLED_APPS))
