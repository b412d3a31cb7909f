#!/usr/bin/env bash
# Stops the one-node Slurm of scripts/slurm-up.sh: slurmd, slurmctld, munged, by their pid files.
set -uo pipefail
DIR=${FLEET_SLURM_DIR:-/var/lib/fleet-slurm}
for pidfile in "$DIR/run/slurmd.pid" "$DIR/run/slurmctld.pid" "$DIR/munge/munged.pid"; do
  [ -s "$pidfile" ] || continue
  pid=$(cat "$pidfile")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$pidfile"
done
if [ "${1:-}" = "--purge" ]; then rm -rf "$DIR"; fi
