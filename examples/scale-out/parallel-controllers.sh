#!/usr/bin/env bash
# fleet with GNU parallel: N shards over ssh on several controllers, merged live on this machine.
# Every controller needs fleet, the same inventory (same selection => same plan hash) and its
# own access to the hosts. Each shard's JSONL comes back on parallel's stdout, line-buffered,
# and `fleet report --follow -` renders them as one run; its exit code is the run's.
#   usage: parallel-controllers.sh 'systemctl restart nginx' ctl1,ctl2,ctl3 [N]
set -euo pipefail
cmd=$1
controllers=$2
n=${3:-8}
run_id=${FLEET_RUN_ID:-$(date -u +%Y%m%dT%H%M%SZ)-$$}
export FLEET_RUN_ID=$run_id
# {#} is the job number, 1..N: the shard. --halt never: a failed shard must not stop the others.
parallel --will-cite --line-buffer --halt never -j "$n" --sshlogin "$controllers" --env FLEET_RUN_ID \
  fleet exec "$(printf '%q' "$cmd")" -i /etc/fleet/hosts.yaml --shard '{#}'/"$n" --output jsonl ::: $(seq "$n") |
  fleet report --follow - --hosts-file "failed-$run_id.txt"
