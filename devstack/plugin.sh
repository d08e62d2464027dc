#!/bin/bash
#
# devstack/plugin.sh - Glint's DevStack plugin, in the manner of DevStack's
# own lib/placement.
#
# DevStack sources devstack/settings, then this file, at each phase of
# stack.sh, unstack.sh and clean.sh. It runs the commands Glint's tests run
# (tests/cloudbed.py): glint-manage key create, db sync and register, the
# API under uWSGI (the DevStack service glint-api) and the engine that runs
# the migrations (glint-engine).

# Save trace setting: the admin password passes through init_glint.
_XTRACE_GLINT=$(set +o | grep xtrace)
set +o xtrace

GLINT_BIN_DIR=$(get_python_exec_prefix)
GLINT_URL=$GLINT_SERVICE_PROTOCOL://$GLINT_SERVICE_HOST:$GLINT_SERVICE_PORT
GLINT_HORIZON_ENABLED_DIR=$HORIZON_DIR/openstack_dashboard/local/enabled
GLINT_HORIZON_SETTINGS_DIR=$HORIZON_DIR/openstack_dashboard/local/local_settings.d
# Keystone's own default, when keystone.conf names none.
GLINT_KEYSTONE_AUTH_METHODS=external,password,token,oauth1,mapped,application_credential
GLINT_UWSGI=glint_service.wsgi.api:application
GLINT_UWSGI_CONF=$GLINT_CONF_DIR/glint-api-uwsgi.ini


# install_glint() - The service, its dashboard and its openstack command
# plugin (one package). stack.sh installs uWSGI for every service
# (install_apache_uwsgi).
function install_glint {
    setup_develop "$GLINT_DIR"
}

# configure_glint() - Write glint.conf and the credential key file.
function configure_glint {
    sudo install -d -o "$STACK_USER" "$GLINT_CONF_DIR" "$GLINT_STATE_PATH"
    rm -f "$GLINT_CONF"
    iniset "$GLINT_CONF" DEFAULT debug "$ENABLE_DEBUG_LOG_LEVEL"
    iniset "$GLINT_CONF" DEFAULT state_path "$GLINT_STATE_PATH"
    iniset "$GLINT_CONF" database connection "$(database_connection_url glint)"
    iniset "$GLINT_CONF" crypto key_file "$GLINT_KEY_FILE"
    iniset "$GLINT_CONF" api public_endpoint "$GLINT_URL"
    iniset "$GLINT_CONF" local_cloud region_name "$REGION_NAME"
    # The engine's glint.migration.* notifications, as Glance sends image.*.
    if is_service_enabled rabbit; then
        iniset "$GLINT_CONF" oslo_messaging_notifications driver messagingv2
        iniset_rpc_backend glint "$GLINT_CONF"
    fi
    if [[ -n "$GLINT_OUTBOUND_ALLOWED_NETWORKS" ]]; then
        iniset "$GLINT_CONF" outbound allowed_networks "$GLINT_OUTBOUND_ALLOWED_NETWORKS"
    fi
    if [[ -n "$GLINT_ENGINE_TRANSFERS" ]]; then
        iniset "$GLINT_CONF" engine max_transfers "$GLINT_ENGINE_TRANSFERS"
    fi
    # The dashboard's Upload Image: the browser sends the file from
    # Horizon's pages straight to Glint.
    if is_service_enabled horizon && [[ -n "$GLINT_CORS_ALLOWED_ORIGIN" ]]; then
        iniset "$GLINT_CONF" cors allowed_origin "$GLINT_CORS_ALLOWED_ORIGIN"
    fi
    # The service user "glint" in the service project, with
    # $SERVICE_PASSWORD: "glint-manage register" creates it as configured
    # here.
    configure_keystone_authtoken_middleware "$GLINT_CONF" glint
    # Glint logs its service user in to Keystone v3 itself (for the trusts
    # of its migrations): it needs the v3 URL, as in the tests.
    iniset "$GLINT_CONF" keystone_authtoken auth_url "$KEYSTONE_SERVICE_URI_V3"
    iniset "$GLINT_CONF" keystone_authtoken www_authenticate_uri "$KEYSTONE_SERVICE_URI_V3"
    setup_logging "$GLINT_CONF"
    "$GLINT_BIN_DIR/glint-manage" --config-file "$GLINT_CONF" key create
    configure_glint_uwsgi
}

# configure_glint_uwsgi() - Write the uWSGI configuration of the API: on
# its own port, as DevStack's nova-metadata, rather than behind Apache.
function configure_glint_uwsgi {
    write_uwsgi_config "$GLINT_UWSGI_CONF" "$GLINT_UWSGI" "" \
        "$SERVICE_LISTEN_ADDRESS:$GLINT_SERVICE_PORT" glint-api
    iniset "$GLINT_UWSGI_CONF" uwsgi env "OS_GLINT_CONFIG_FILES=$GLINT_CONF"
    iniset "$GLINT_UWSGI_CONF" uwsgi processes "$GLINT_API_WORKERS"
    # Threads: a worker goes on answering while a request waits on a
    # remote cloud.
    iniset "$GLINT_UWSGI_CONF" uwsgi threads 4
    # A request waits on remote clouds (up to [remote_clouds] deadline a
    # call): more than the 60 s uWSGI's HTTP router gives it by default.
    iniset "$GLINT_UWSGI_CONF" uwsgi http-timeout 600
    # An upload's or a download's client may pause for a minute.
    iniset "$GLINT_UWSGI_CONF" uwsgi socket-timeout 60
    # No harakiri: it would kill every thread of a worker, and a request
    # may rightly wait long. Glint bounds a request body that trickles in
    # itself ([api] body_timeout).
    # Connections kept open between requests, as HTTP/1.1 clients expect:
    # without it, a client reusing a connection may find it closed.
    iniset "$GLINT_UWSGI_CONF" uwsgi http-keepalive true
    # Request bodies sent in chunks reach Glint (as Glance's do).
    iniset "$GLINT_UWSGI_CONF" uwsgi http-chunked-input true
    # Image data passes the HTTP router 32 KiB at a time, not 4 KiB.
    iniset "$GLINT_UWSGI_CONF" uwsgi http-buffer-size 32768
}

# configure_glint_dashboard() - Link the dashboard's panels into Horizon:
# Project > Glint, and Identity > Certificate Users (for admins).
function configure_glint_dashboard {
    ln -sf "$GLINT_DIR"/glint_dashboard/enabled/_9*_*_glint_*.py \
        "$GLINT_HORIZON_ENABLED_DIR/"
}

# configure_glint_x509() - Let the certificates of the CA $GLINT_X509_CA
# log in: Keystone's x509 auth method and its WebSSO to DevStack's
# Horizon; the CA as an identity provider with its mapping and x509
# protocol ("glint-manage x509 setup", idempotent); Horizon's login page
# offering "X.509 certificate". The TLS front that verifies the client
# certificates in front of Keystone is the operator's: see
# doc/source/install/devstack.rst.
function configure_glint_x509 {
    local methods
    methods=$(iniget "$KEYSTONE_CONF" auth methods)
    methods=${methods:-$GLINT_KEYSTONE_AUTH_METHODS}
    if [[ ",$methods," != *",x509,"* ]]; then
        iniset "$KEYSTONE_CONF" auth methods "$methods,x509"
    fi
    iniset "$KEYSTONE_CONF" federation trusted_dashboard \
        "$GLINT_X509_HORIZON_URL/auth/websso/"
    cp "$KEYSTONE_DIR/etc/sso_callback_template.html" "$KEYSTONE_CONF_DIR/"
    iniset "$KEYSTONE_CONF" federation sso_callback_template \
        "$KEYSTONE_CONF_DIR/sso_callback_template.html"
    restart_service devstack@keystone
    if ! wait_for_service "$SERVICE_TIMEOUT" "$KEYSTONE_SERVICE_URI_V3"; then
        die $LINENO "keystone did not restart"
    fi
    OS_AUTH_URL=$KEYSTONE_SERVICE_URI_V3 OS_USERNAME=admin \
        OS_PASSWORD=$ADMIN_PASSWORD OS_PROJECT_NAME=admin \
        OS_USER_DOMAIN_NAME=Default OS_PROJECT_DOMAIN_NAME=Default \
        "$GLINT_BIN_DIR/glint-manage" --config-file "$GLINT_CONF" \
        x509 setup --ca "$GLINT_X509_CA" --idp "$GLINT_X509_IDP"
    if is_service_enabled horizon; then
        configure_glint_websso
    fi
}

# configure_glint_websso() - Horizon's login page offers "X.509
# certificate": the browser is sent to the TLS front, whose Keystone posts
# the token back to Horizon.
function configure_glint_websso {
    mkdir -p "$GLINT_HORIZON_SETTINGS_DIR"
    cat >"$GLINT_HORIZON_SETTINGS_DIR/_90_glint_x509.py" <<EOF
# Written by Glint's DevStack plugin (GLINT_X509_CA).
WEBSSO_ENABLED = True
WEBSSO_CHOICES = (('credentials', 'Keystone Credentials'),
                  ('x509', 'X.509 certificate'))
WEBSSO_IDP_MAPPING = {'x509': ('$GLINT_X509_IDP', 'x509')}
WEBSSO_KEYSTONE_URL = '$GLINT_X509_KEYSTONE_URL'
WEBSSO_USE_HTTP_REFERER = False
OPENSTACK_SSL_CACERT = '$GLINT_X509_SERVER_CA'
EOF
    restart_apache_server
}

# init_glint() - Create the database and register Glint in Keystone.
function init_glint {
    recreate_database glint
    "$GLINT_BIN_DIR/glint-manage" --config-file "$GLINT_CONF" db sync
    # The service user (as in [keystone_authtoken]) with the service role,
    # the service "glint" of type image-distribution and its public and
    # internal endpoints; DevStack's admin logs in.
    OS_AUTH_URL=$KEYSTONE_SERVICE_URI_V3 OS_USERNAME=admin \
        OS_PASSWORD=$ADMIN_PASSWORD OS_PROJECT_NAME=admin \
        OS_USER_DOMAIN_NAME=Default OS_PROJECT_DOMAIN_NAME=Default \
        "$GLINT_BIN_DIR/glint-manage" --config-file "$GLINT_CONF" \
        register --public-url "$GLINT_URL" --region "$REGION_NAME"
}

# start_glint() - Run the API under uWSGI as the DevStack service
# glint-api, and the engine as glint-engine.
function start_glint {
    run_process glint-api "$(which uwsgi) --procname-prefix glint-api --ini $GLINT_UWSGI_CONF"
    echo "Waiting for glint-api to start..."
    if ! wait_for_service "$SERVICE_TIMEOUT" "$GLINT_URL"; then
        die $LINENO "glint-api did not start"
    fi
    run_process glint-engine "$GLINT_BIN_DIR/glint-engine --config-file $GLINT_CONF"
}

# stop_glint() - Stop the API and the engine (SIGTERM: the engine stops
# gracefully).
function stop_glint {
    stop_process glint-api
    stop_process glint-engine
}

# cleanup_glint() - Remove the dashboard's links, the configuration and the
# state.
function cleanup_glint {
    rm -f "$GLINT_HORIZON_ENABLED_DIR"/_9*_*_glint_*.py
    rm -f "$GLINT_HORIZON_SETTINGS_DIR/_90_glint_x509.py"
    remove_uwsgi_config "$GLINT_UWSGI_CONF" glint-api
    sudo rm -rf "$GLINT_CONF_DIR" "$GLINT_STATE_PATH"
}


if is_service_enabled glint-api; then
    if [[ "$1" == "stack" && "$2" == "install" ]]; then
        echo_summary "Installing Glint"
        install_glint
    elif [[ "$1" == "stack" && "$2" == "post-config" ]]; then
        echo_summary "Configuring Glint"
        configure_glint
        init_glint
        if is_service_enabled horizon; then
            configure_glint_dashboard
        fi
        if [[ -n "$GLINT_X509_CA" ]]; then
            configure_glint_x509
        fi
    elif [[ "$1" == "stack" && "$2" == "extra" ]]; then
        echo_summary "Starting Glint"
        start_glint
    fi

    if [[ "$1" == "unstack" ]]; then
        stop_glint
    fi

    if [[ "$1" == "clean" ]]; then
        cleanup_glint
    fi
fi

# Restore xtrace
$_XTRACE_GLINT
