#!/bin/sh
# Regenerates the known_hosts fixtures with real OpenSSH tools (ssh-keygen). The unit tests read
# the committed outputs; run this only to refresh them (keys change, so do the expectations).
set -eu
cd "$(dirname "$0")"
rm -f host_* known_hosts*
ssh-keygen -q -t ed25519 -N '' -C alpha -f host_alpha_ed25519
ssh-keygen -q -t ecdsa -b 256 -N '' -C alpha -f host_alpha_ecdsa
ssh-keygen -q -t rsa -b 2048 -N '' -C beta -f host_beta_rsa
ssh-keygen -q -t ed25519 -N '' -C gamma -f host_gamma_ed25519
ssh-keygen -q -t ed25519 -N '' -C revoked -f host_revoked_ed25519
ssh-keygen -q -t ed25519 -N '' -C ca -f host_ca_ed25519
pub() { cut -d' ' -f1,2 "$1.pub"; }
{
  echo '# plain names, a port entry, a comma list, patterns, negation and markers'
  echo "alpha.example.com $(pub host_alpha_ed25519)"
  echo "alpha.example.com $(pub host_alpha_ecdsa)"
  echo "[alpha.example.com]:2222 $(pub host_beta_rsa)"
  echo "beta.example.com,10.0.0.2,[10.0.0.2]:2200 $(pub host_beta_rsa)"
  echo ''
  echo "*.gamma.test,!bad.gamma.test $(pub host_gamma_ed25519)"
  echo "web-?.example.org $(pub host_gamma_ed25519) trailing comment"
  echo "@revoked * $(pub host_revoked_ed25519)"
  echo "@cert-authority *.example.com $(pub host_ca_ed25519)"
  echo "ca-only.example.com,revoked.example.com $(pub host_alpha_ed25519)"
  echo "revoked.example.com $(pub host_revoked_ed25519)"
  echo '   # indented comment'
  echo 'not-a-valid-line'
} > known_hosts
# ssh-keygen -H refuses a file with invalid lines, so the hashed copy leaves that one out.
grep -v '^not-a-valid-line$' known_hosts > known_hosts_hashed
ssh-keygen -q -H -f known_hosts_hashed 2>/dev/null
rm -f known_hosts_hashed.old
for k in host_*.pub; do ssh-keygen -lf "$k" | awk -v f="$k" '{print f, $2}'; done > fingerprints.txt
for k in host_*; do case "$k" in *.pub) ;; *) rm -f "$k";; esac; done
# The oracle: which lines `ssh-keygen -F` finds for each name (marker after the line number).
# Names are given lowercase, as ssh lowercases the host before it looks it up.
for f in known_hosts known_hosts_hashed; do
  for q in alpha.example.com '[alpha.example.com]:2222' beta.example.com 10.0.0.2 '[10.0.0.2]:2200' \
    x.gamma.test bad.gamma.test web-1.example.org web-10.example.org revoked.example.com \
    ca-only.example.com unknown.example.net; do
    ssh-keygen -F "$q" -f "$f" | sed -n "s/^# Host .* found: line \([0-9]*\) *\(.*\)$/$f $q \1 \2/p"
  done
done > lookups.txt
