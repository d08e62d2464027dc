"""A remote cloud added in Horizon with an OpenID Connect refresh token.

The Remote Clouds form shows the fields of the auth type chosen; the
secrets are password inputs. cloud2's real Keystone trusts a stand-in
OpenID Connect provider (tests/oidc_provider.py); when the token is
revoked, Check Connection marks the cloud and its row says so.
"""

import uuid

import pytest

from tests.browser.test_dashboard import messages
from tests.functional import conftest as functional
from tests import oidc_provider

IDP = 'glint-browser-oidc'
SUBJECT = 'browser-user@example.org'


@pytest.fixture(scope='module')
def provider(stack):
    remote = stack.clouds[1]
    provider = oidc_provider.Provider(remote.oidc_key()).start()
    provider.client = provider.add_client()
    remove = oidc_provider.trust(remote, provider, IDP,
                                 [SUBJECT, provider.client[0]])
    yield provider
    remove()
    provider.stop()


def test_a_refresh_token_cloud_added_then_refused(stack, dashboard,
                                                  provider):
    local, remote = stack.clouds[0], stack.clouds[1]
    dashboard.login(local.users['demo'])
    dashboard.open('/project/remote_clouds/')
    dashboard.find('#remote_clouds__action_create').click()
    dashboard.wait_for('#create_cloud_modal #id_name')
    # A password field, until another auth type is chosen.
    assert dashboard.find('#id_password').is_displayed()
    assert not dashboard.find('#id_refresh_token').is_displayed()
    dashboard.driver.execute_script(
        "$('#id_auth_type').val('v3oidcrefreshtoken').change();")
    dashboard.wait_for('#id_refresh_token')
    assert not dashboard.find('#id_password').is_displayed()
    assert not dashboard.find('#id_client_cert').is_displayed()
    for secret in ('refresh_token', 'client_secret'):
        assert dashboard.find('#id_' + secret).get_attribute(
            'type') == 'password'
    token = provider.refresh_token(provider.client[0], SUBJECT)
    name = 'oidc-%s' % uuid.uuid4().hex[:6]
    dashboard.fill({'name': name, 'auth_url': remote.auth_url,
                    'identity_provider': IDP,
                    'access_token_endpoint': provider.token_endpoint,
                    'client_id': provider.client[0],
                    'client_secret': provider.client[1],
                    'refresh_token': token, 'project_name': 'demo'})
    dashboard.screenshot('add-remote-cloud-oidc-form')
    dashboard.submit_modal()
    row = dashboard.wait_for('#remote_clouds tr[data-display="%s"]' % name)
    cloud_id = row.get_attribute('data-object-id')
    try:
        check_then_refused(dashboard, provider, token, name, row, cloud_id)
    finally:
        # The project's other tests expect their own clouds alone.
        user = local.users['demo']
        functional.Api(stack.glint.url, local.session(user).get_token(
        )).delete('/v1/clouds/%s' % cloud_id)


def check_then_refused(dashboard, provider, token, name, row, cloud_id):
    assert 'Accepted' in row.text
    assert token not in dashboard.driver.page_source

    # Revoked at the provider: the check says so, and so does the row.
    provider.revoke(provider.current_refresh_token(token))
    dashboard.driver.execute_script(
        'document.getElementById(arguments[0]).click();',
        'remote_clouds__row_%s__action_check' % cloud_id)
    dashboard.wait_until(
        lambda: 'refused the refresh token' in messages(dashboard),
        message='no answer to Check Connection')
    dashboard.open('/project/remote_clouds/')
    row = dashboard.wait_for('#remote_clouds tr[data-display="%s"]' % name)
    assert 'Refused: give new credentials' in row.text
    assert 'invalid_grant' in row.text
    dashboard.screenshot('remote-cloud-refused')
