/**
 * Summaries of a V8 .cpuprofile (what `node --cpu-prof` writes): self time per function, self
 * time per area (fleet's own modules, ssh2's parts, Node internals, GC, idle), and inclusive
 * time per function, so a profile reads as a short list of costs.
 */
export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface CostRow {
  name: string;
  ms: number;
  share: number;
}

export interface ProfileSummary {
  totalMs: number;
  idleMs: number;
  selfByFunction: CostRow[];
  selfByArea: CostRow[];
  inclusiveByFunction: CostRow[];
}

function shortUrl(url: string): string {
  return url
    .replace(/^file:\/\//, '')
    .replace(/^.*\/node_modules\//, '')
    .replace(/^.*\/dist\/src\//, 'src/');
}

function functionKey(frame: CpuProfile['nodes'][number]['callFrame']): string {
  const name = frame.functionName || '(anonymous)';
  if (frame.url === '') return name;
  return `${name} ${shortUrl(frame.url)}:${frame.lineNumber + 1}`;
}

/** Where a frame's self time goes, coarsely. */
export function areaOf(frame: CpuProfile['nodes'][number]['callFrame']): string {
  const { functionName: fn, url } = frame;
  if (url === '') {
    if (fn === '(idle)' || fn === '(program)' || fn === '(garbage collector)' || fn === '(root)') return fn;
    return `native: ${fn || '(anonymous)'}`;
  }
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(.*)$/.exec(url);
  if (nm !== null) {
    const [, pkg = '?', rest = ''] = nm;
    if (pkg === 'ssh2') {
      const part = /^lib\/(protocol\/)?([^/.]+)/.exec(rest);
      return `ssh2 ${part?.[1] ?? ''}${part?.[2] ?? rest}`;
    }
    return pkg;
  }
  const src = /\/dist\/src\/(.*)\.js$/.exec(url) ?? /\/src\/(.*)\.ts$/.exec(url);
  if (src?.[1] !== undefined) return `fleet src/${src[1]}`;
  if (url.startsWith('node:')) {
    const m = /^node:(internal\/)?([^/]+(?:\/[^/]+)?)/.exec(url);
    return `node:${m?.[1] ?? ''}${m?.[2] ?? url}`;
  }
  return shortUrl(url);
}

function top(map: Map<string, number>, total: number, n: number): CostRow[] {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, us]) => ({ name, ms: us / 1000, share: total > 0 ? us / total : 0 }));
}

export function summarizeProfile(profile: CpuProfile, n = 25): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const c of node.children ?? []) parent.set(c, node.id);
  const self = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i += 1) {
    const id = profile.samples[i] ?? 0;
    // timeDeltas[i] is the time since the previous sample: charge the following delta to this one.
    const dt = profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0;
    self.set(id, (self.get(id) ?? 0) + dt);
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const selfFn = new Map<string, number>();
  const selfArea = new Map<string, number>();
  const incl = new Map<string, number>();
  let idle = 0;
  for (const [id, us] of self) {
    const node = byId.get(id);
    if (node === undefined) continue;
    const area = areaOf(node.callFrame);
    if (area === '(idle)') idle += us;
    selfFn.set(functionKey(node.callFrame), (selfFn.get(functionKey(node.callFrame)) ?? 0) + us);
    selfArea.set(area, (selfArea.get(area) ?? 0) + us);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const frame = byId.get(cur)?.callFrame;
      if (frame === undefined || frame.functionName === '(root)') continue;
      const key = functionKey(frame);
      if (seen.has(key)) continue;
      seen.add(key);
      incl.set(key, (incl.get(key) ?? 0) + us);
    }
  }
  for (const special of ['(idle)', '(program)', '(garbage collector)']) incl.delete(special);
  return {
    totalMs: total / 1000,
    idleMs: idle / 1000,
    selfByFunction: top(selfFn, total, n),
    selfByArea: top(selfArea, total, n),
    inclusiveByFunction: top(incl, total, n),
  };
}

export function formatRows(title: string, rows: readonly CostRow[]): string {
  const lines = [title];
  for (const r of rows) lines.push(`  ${r.ms.toFixed(1).padStart(8)} ms ${(r.share * 100).toFixed(1).padStart(5)} %  ${r.name}`);
  return lines.join('\n');
}
