#!/usr/bin/env bash
# Set-up for a fresh Debian/Ubuntu machine, idempotent and quiet when all is in place:
#   - system packages: openssh-server (the lab's sshd), docker.io + mmdebstrap (test containers),
#     tmux (the live-view screen test), zsh + fish (the completion scripts' tests), chromium (the HTML
#     report's browser test and bench, driven by playwright-core with executablePath /usr/bin/chromium),
#     parallel + slurm-wlm + munge (scale-out tests), pssh (the bench's warm peer row)
#   - a running Docker engine (started in the background when none answers)
#   - node_modules (npm ci) and the locally built base image for Dockerfile.sshd (nothing is pulled)
# Needs root for apt-get, dockerd and the sshd lab. Node >= 20.19 must already be installed.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf 'setup: %s\n' "$*" >&2; }

if [ "$(id -u)" -ne 0 ]; then
  log "not root: skipping system packages and dockerd (the lab and containers need root)"
else
  missing=()
  command -v /usr/sbin/sshd >/dev/null 2>&1 || [ -x /usr/sbin/sshd ] || missing+=(openssh-server)
  command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
  command -v mmdebstrap >/dev/null 2>&1 || missing+=(mmdebstrap)
  command -v tmux >/dev/null 2>&1 || missing+=(tmux)
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  command -v unshare >/dev/null 2>&1 || missing+=(util-linux)
  # The completion scripts are tested in the shells they are for.
  command -v zsh >/dev/null 2>&1 || missing+=(zsh)
  command -v fish >/dev/null 2>&1 || missing+=(fish)
  # Scale-out tests (docs/scale-out.md): GNU parallel, and a one-node Slurm (scripts/slurm-up.sh).
  command -v parallel >/dev/null 2>&1 || missing+=(parallel)
  command -v slurmctld >/dev/null 2>&1 || missing+=(slurm-wlm)
  command -v munged >/dev/null 2>&1 || missing+=(munge)
  # bench: pssh on warm OpenSSH masters (ControlPersist), the peer row of the persist case
  command -v parallel-ssh >/dev/null 2>&1 || missing+=(pssh)
  if [ "${#missing[@]}" -gt 0 ]; then
    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  # The Debian package starts sshd as a service on some machines; the lab runs its own sshds on
  # 127.20/16 and does not need it, and tests never touch port 22 on 127.0.0.1.
  mkdir -p /run/sshd

  if ! docker info >/dev/null 2>&1; then
    log "starting dockerd"
    sh scripts/ensure-dockerd.sh
  fi
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "npm ci"
  # playwright-core downloads nothing itself; this keeps it so if a tool ever pulls in `playwright`.
  export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
  npm ci --no-fund --no-audit --loglevel=error
fi

if [ "$(id -u)" -eq 0 ] && docker info >/dev/null 2>&1; then
  bash scripts/build-base-image.sh
fi
log "ready"
