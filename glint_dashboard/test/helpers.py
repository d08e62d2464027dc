"""Horizon's test helpers, with Glint in the test user's catalog."""

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
