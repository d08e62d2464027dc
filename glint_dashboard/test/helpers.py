"""Horizon's test helpers, with Glint in the test user's catalog."""

from unittest import mock

from glint_dashboard.api import glint
from glintclient import client
from openstack_dashboard.test import helpers

GLINT_URL = 'http://glint.example.org:9494'


class TestCase(helpers.TestCase):
    """A logged-in Horizon test client whose user's catalog has Glint."""

    def _setup_test_data(self):
        super()._setup_test_data()
        self.service_catalog.append({
            'type': 'image-distribution', 'name': 'glint',
            'endpoints_links': [],
            'endpoints': [{'region': 'RegionOne', 'interface': interface,
                           'url': GLINT_URL}
                          for interface in ('admin', 'internal', 'public')]})

    def mock_glintclient(self):
        """A fake glintclient Client in place of every request's.

        Its ``method_calls`` are the calls made to Glint's API, in order.
        """
        fake = mock.create_autospec(client.Client, instance=True)
        mock.patch.object(glint, 'glintclient', return_value=fake).start()
        return fake


class AdminTestCase(TestCase, helpers.BaseAdminViewTests):
    """As TestCase, the user with the admin role as well."""
