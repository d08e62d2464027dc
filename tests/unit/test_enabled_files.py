"""Horizon's enabled files of the dashboard, as Horizon reads them."""

import importlib
import pkgutil

import glint_dashboard.enabled


def enabled_files():
    return [importlib.import_module('glint_dashboard.enabled.' + m.name)
            for m in pkgutil.iter_modules(glint_dashboard.enabled.__path__)]


def test_the_app_is_installed_once():
    """Horizon adds every file's ADD_INSTALLED_APPS; Django refuses twins."""
    apps = [app for module in enabled_files()
            for app in getattr(module, 'ADD_INSTALLED_APPS', [])]
    assert apps == ['glint_dashboard']


def test_each_panel_names_its_dashboard_and_class():
    panels = [m for m in enabled_files() if hasattr(m, 'PANEL')]
    assert {(m.PANEL_DASHBOARD, m.PANEL) for m in panels} == {
        ('project', 'remote_clouds'), ('project', 'migrate_image'),
        ('identity', 'certificate_users')}
    for module in panels:
        path, name = module.ADD_PANEL.rsplit('.', 1)
        assert path.startswith('glint_dashboard.content.' + module.PANEL)
