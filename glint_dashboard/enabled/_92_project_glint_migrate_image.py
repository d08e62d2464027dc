"""Project > Glint > Migrate Image."""

PANEL = 'migrate_image'
PANEL_DASHBOARD = 'project'
PANEL_GROUP = 'glint'
ADD_PANEL = 'glint_dashboard.content.migrate_image.panel.MigrateImage'
