"""The real stack the browser tests drive, and the browser itself.

Three real clouds, a Glint registered in the first (slowed to 2 MiB/s, so
that a migration lasts long enough to watch; its CORS open to Horizon's
pages), real Horizon with Glint's panels, and headless Chromium through
chromedriver. If any of them cannot start, the tests error with the
reason: nothing is skipped.
"""

import os

import pytest
from selenium import webdriver
from selenium.webdriver.chrome import service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support import ui

from tests import cloudbed

MiB = 1024 * 1024
# A migration's pace: its 24 MiB take some 12 s, many rounds of Horizon's
# row updates (every 2.5 s) even on a busy machine.
RATE = 2 * MiB
CHROMIUM = '/usr/bin/chromium'
CHROMEDRIVER = '/usr/bin/chromedriver'
# Where the screenshots go: look at them after a run.
SCREENSHOTS = os.environ.get(
    'GLINT_SCREENSHOTS',
    os.path.join(os.path.dirname(cloudbed.HERE), 'test-output',
                 'screenshots'))
FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
         '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync',
         '--window-size=1400,1000']


@pytest.fixture(scope='session')
def stack(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('stack'))
    # cloud1's Keystone may have a TLS front (started by the tests that
    # log in with a certificate).
    bed = cloudbed.Bed(root, clouds=3, x509_fronts=1,
                       glint_options={'migrations': {'max_rate': RATE}})
    horizon = cloudbed.Horizon(bed.clouds[0], root)
    # Its pages send an upload's file to Glint from the browser.
    bed.glint.options['cors'] = {'allowed_origin': horizon.origin}
    bed.start()
    try:
        horizon.start()
    except BaseException:
        bed.stop()
        raise
    bed.horizon = horizon
    yield bed
    horizon.stop()
    bed.stop()


class Dashboard(object):
    """Horizon in Chromium, as one user."""

    def __init__(self, driver, url):
        self.driver = driver
        self.url = url

    def login(self, user):
        self.driver.get(self.url + '/auth/login/')
        self.driver.find_element(By.ID, 'id_username').send_keys(
            user['username'])
        self.driver.find_element(By.ID, 'id_password').send_keys(
            user['password'])
        self.driver.find_element(By.ID, 'loginBtn').click()
        self.wait_for('.page-header, #content_body')

    def open(self, path):
        self.driver.get(self.url + path)

    def find(self, css):
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def find_all(self, css):
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def wait_for(self, css, timeout=cloudbed.WAIT):
        return ui.WebDriverWait(self.driver, timeout).until(
            expected_conditions.visibility_of_element_located(
                (By.CSS_SELECTOR, css)))

    def wait_until(self, condition, timeout=cloudbed.WAIT, message=''):
        return ui.WebDriverWait(self.driver, timeout).until(
            lambda driver: condition(), message)

    def fill(self, fields):
        for name, value in fields.items():
            element = self.find('#id_%s' % name)
            element.clear()
            element.send_keys(value)

    def submit_modal(self):
        self.find('.modal-footer [type=submit]').click()

    def screenshot(self, name):
        os.makedirs(SCREENSHOTS, exist_ok=True)
        self.driver.save_screenshot(os.path.join(SCREENSHOTS, name + '.png'))


@pytest.fixture(scope='session')
def chromium(tmp_path_factory):
    for path in (CHROMIUM, CHROMEDRIVER):
        if not os.path.exists(path):
            pytest.fail('%s is missing: the functional tox environment '
                        'installs Debian\'s chromium and chromium-driver; '
                        'run it as root or install them.' % path)
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS + ['--user-data-dir=%s'
                         % tmp_path_factory.mktemp('chromium')]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=service.Service(CHROMEDRIVER),
                              options=options)
    # Where it saves what it downloads.
    driver.download_dir = str(tmp_path_factory.mktemp('downloads'))
    driver.execute_cdp_cmd('Browser.setDownloadBehavior', {
        'behavior': 'allow', 'downloadPath': driver.download_dir})
    yield driver
    driver.quit()


@pytest.fixture
def dashboard(stack, chromium):
    chromium.delete_all_cookies()
    return Dashboard(chromium, stack.horizon.url)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A screenshot of what the browser showed when a test failed."""
    outcome = yield
    report = outcome.get_result()
    if report.when == 'call' and report.failed:
        dashboard = item.funcargs.get('dashboard')
        if dashboard is not None:
            dashboard.screenshot('FAILED-' + item.name)
