"""Project > Glint > Migrate Image."""

PANEL = 'migrate_image'
PANEL_DASHBOARD = 'project'
PANEL_GROUP = 'glint'
ADD_PANEL = 'glint_dashboard.content.migrate_image.panel.MigrateImage'
# Upload Image's form: the file's size and name (the file itself goes from
# the browser to Glint).
ADD_JS_FILES = ['glint/js/upload.js']
