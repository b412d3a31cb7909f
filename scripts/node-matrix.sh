#!/usr/bin/env bash
# The unit and e2e projects again on the other supported Node majors (engines: >=20.19; the
# default run is on the machine's Node). Node binaries come from the npm registry's `node`
# package through npx (cached in ~/.npm/_npx after the first run), so CI needs no nvm or apt.
# Integration (containers) runs once, on the default Node, in `npm test`.
# Usage: bash scripts/node-matrix.sh [MAJOR...]   (default: 22 24); dist/ must be built.
# Cost here (2 shared cores, 2026-12-07): ~3.5 min per major (node@24: 211 s; unit alone 40 s),
# plus ~15 s to fetch a Node the first time; `bash scripts/node-matrix.sh 24` halves it.
set -euo pipefail
cd "$(dirname "$0")/.."

majors=("$@")
[ "${#majors[@]}" -gt 0 ] || majors=(22 24)
for major in "${majors[@]}"; do
  start=$(date +%s)
  printf 'node-matrix: node@%s: unit + e2e\n' "$major" >&2
  # vitest's workers and the spawned CLI run on process.execPath, i.e. this Node. Some e2e files
  # run once, in `npm test`, because what they check does not depend on the Node running fleet
  # and they are the suite's longest: docs and consumer-types (tsc's answer), package (what npm
  # packs), html-report (Chromium), shard-slurm/shard-lab/shard-parallel (the schedulers and a
  # 400-host lab), pool-1000 and live-first-frame (1000- and 300-host labs), demo.
  npx -y -p "node@$major" node node_modules/vitest/vitest.mjs run --project unit --project e2e \
    --exclude test/e2e/docs.test.ts --exclude test/e2e/package.test.ts --exclude test/e2e/consumer-types.test.ts \
    --exclude test/e2e/html-report.test.ts --exclude 'test/e2e/shard-*.test.ts' \
    --exclude test/e2e/pool-1000.test.ts --exclude test/e2e/live-first-frame.test.ts --exclude test/e2e/demo.test.ts
  printf 'node-matrix: node@%s done in %ss\n' "$major" "$(( $(date +%s) - start ))" >&2
done
