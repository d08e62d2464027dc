"""The "Glint" panel group of the Project dashboard."""

from django.utils.translation import gettext_lazy as _

PANEL_GROUP = 'glint'
PANEL_GROUP_NAME = _('Glint')
PANEL_GROUP_DASHBOARD = 'project'
