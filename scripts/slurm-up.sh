#!/usr/bin/env bash
# A one-node Slurm on this machine for the scale-out tests (docs/scale-out.md): munged,
# slurmctld and slurmd as root, all state under $FLEET_SLURM_DIR (default /var/lib/fleet-slurm),
# on ports $FLEET_SLURM_PORT (default 16817) and the next, with a private munge socket, so nothing of a system Slurm is touched.
# Needs root and `apt-get install slurm-wlm munge` (scripts/setup.sh). Prints the SLURM_CONF
# path when the node is up; scripts/slurm-down.sh stops the daemons by their pid files.
set -euo pipefail
DIR=${FLEET_SLURM_DIR:-/var/lib/fleet-slurm}
HOST=$(hostname -s)
CPUS=$(nproc)
PORT=${FLEET_SLURM_PORT:-16817}
log() { printf 'slurm-up: %s\n' "$*" >&2; }

for bin in munged slurmctld slurmd sinfo; do
  command -v "$bin" >/dev/null 2>&1 || { log "$bin not found: apt-get install slurm-wlm munge"; exit 1; }
done
mkdir -p "$DIR"/{state,spool,log,run,munge}
chmod 700 "$DIR/munge"

if [ ! -s "$DIR/munge/munge.key" ]; then
  dd if=/dev/urandom of="$DIR/munge/munge.key" bs=1024 count=1 status=none
  chmod 400 "$DIR/munge/munge.key"
fi

cat >"$DIR/slurm.conf" <<CONF
# Written by scripts/slurm-up.sh: one node, root, no accounting, no requeue by default.
ClusterName=fleet
SlurmctldHost=$HOST
SlurmctldPort=$PORT
SlurmdPort=$((PORT + 1))
AuthType=auth/munge
AuthInfo=socket=$DIR/munge/munge.socket
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/run/slurmctld.pid
SlurmdPidFile=$DIR/run/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
ProctrackType=proctrack/pgid
TaskPlugin=task/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
JobRequeue=0
MinJobAge=600
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/none
NodeName=$HOST CPUs=$CPUS State=UNKNOWN
PartitionName=fleet Nodes=$HOST Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:8
CONF

start() { # name pidfile command...
  local name=$1 pidfile=$2
  shift 2
  if [ -s "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then return; fi
  log "starting $name"
  "$@"
}
start munged "$DIR/munge/munged.pid" munged --force --socket="$DIR/munge/munge.socket" --key-file="$DIR/munge/munge.key" \
  --pid-file="$DIR/munge/munged.pid" --log-file="$DIR/munge/munged.log" --seed-file="$DIR/munge/munge.seed"
export SLURM_CONF=$DIR/slurm.conf
start slurmctld "$DIR/run/slurmctld.pid" slurmctld -f "$SLURM_CONF"
start slurmd "$DIR/run/slurmd.pid" slurmd -f "$SLURM_CONF"

# Ready when the node takes jobs (idle or mixed), not on a timer.
for _ in $(seq 1 300); do
  state=$(sinfo -h -N -o '%t' 2>/dev/null | head -1 || true)
  case "$state" in idle* | mix* | alloc*) echo "$SLURM_CONF"; exit 0 ;; esac
  if [ "$state" = "down" ] || [ "$state" = "drain" ] || [ "$state" = "down*" ]; then scontrol -f "$SLURM_CONF" update nodename="$HOST" state=resume 2>/dev/null || true; fi
  sleep 0.2
done
log "the node did not come up; see $DIR/log/slurmctld.log and $DIR/log/slurmd.log"
exit 1
