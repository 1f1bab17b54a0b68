# portero maintain every 5 minutes on systems without systemd; where systemd
# runs, portero-maintain.timer does it and this line does nothing.
*/5 * * * *  portero  [ ! -d /run/systemd/system ] && [ -x /usr/bin/portero ] && /usr/bin/portero --config /etc/portero/portero.conf maintain >/dev/null
