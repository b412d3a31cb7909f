#!/bin/sh
# Make sure a Docker daemon is reachable; as root, start dockerd in the background if not.
# Never pulls anything. Logs to /var/log/dockerd.log.
set -eu
if docker info >/dev/null 2>&1; then exit 0; fi
command -v dockerd >/dev/null 2>&1 || { echo "ensure-dockerd: no dockerd: apt-get install -y docker.io" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "ensure-dockerd: dockerd is not running and only root can start it" >&2; exit 1; }
nohup dockerd >/var/log/dockerd.log 2>&1 &
i=0
until docker info >/dev/null 2>&1; do
  i=$((i + 1))
  if [ "$i" -gt 300 ]; then echo "ensure-dockerd: dockerd did not come up; see /var/log/dockerd.log" >&2; exit 1; fi
  sleep 0.1
done
