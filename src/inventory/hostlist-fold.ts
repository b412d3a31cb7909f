/**
 * Folding host names back into ranges for display, as ClusterShell's NodeSet does:
 * `h1..h40,h42` -> `h[1-40,42]`, `web01.dc..web03.dc` -> `web[01-03].dc`, and names with several
 * numbers fold on every axis (`r[1-2]n[01-02]`). The output re-expands with expandHostlist.
 */

interface Row {
  /** Number text per axis: raw digits until that axis is folded, then a range-set string. */
  axes: string[];
}

/**
 * Folds names into a compact, sorted, comma-separated range expression. Duplicates are ignored;
 * `1` and `01` stay apart because they are different names.
 */
export function foldHostnames(names: Iterable<string>): string {
  const byShape = new Map<string, { texts: string[]; rows: Row[] }>();
  for (const name of new Set(names)) {
    const pieces = name.split(/(\d+)/);
    const texts = pieces.filter((_, i) => i % 2 === 0);
    const axes = pieces.filter((_, i) => i % 2 === 1);
    const key = texts.join('\u0000');
    let shape = byShape.get(key);
    if (!shape) byShape.set(key, (shape = { texts, rows: [] }));
    shape.rows.push({ axes });
  }
  const out: string[] = [];
  for (const { texts, rows } of byShape.values()) {
    let folded = rows;
    const axisCount = texts.length - 1;
    // Last axis first, so `r1n01,r1n02,r2n01,r2n02` folds n, then r.
    for (let axis = axisCount - 1; axis >= 0; axis--) folded = foldAxis(folded, axis);
    for (const row of folded) out.push(render(texts, row.axes));
  }
  return out.sort(naturalCompare).join(',');
}

function foldAxis(rows: Row[], axis: number): Row[] {
  const groups = new Map<string, { axes: string[]; values: string[] }>();
  for (const row of rows) {
    const key = row.axes.map((v, i) => (i === axis ? '' : v)).join('\u0000');
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { axes: row.axes, values: [] }));
    g.values.push(row.axes[axis] ?? '');
  }
  const result: Row[] = [];
  for (const { axes, values } of groups.values()) {
    for (const set of formatRangeSets(values)) {
      const next = [...axes];
      next[axis] = set;
      result.push({ axes: next });
    }
  }
  return result;
}

/**
 * Range-set strings for one axis. Values split into padding classes: a value written with a
 * leading zero fixes a width, unpadded values of that width join it (`01`..`10`), and all
 * other unpadded values form their own class (`8`..`12`).
 */
function formatRangeSets(values: string[]): string[] {
  const widths = new Set(values.filter(isPadded).map((v) => v.length));
  const classes = new Map<number, Set<number>>();
  // Digit runs past 15 digits (serials, instance ids) lose precision as numbers: keep them as
  // written, unfolded.
  const verbatim = new Set(values.filter((v) => v.length > 15));
  for (const v of values) {
    if (verbatim.has(v)) continue;
    const width = isPadded(v) || widths.has(v.length) ? v.length : 0;
    let set = classes.get(width);
    if (!set) classes.set(width, (set = new Set()));
    set.add(Number(v));
  }
  const sets = [...classes.entries()].map(([width, set]) => formatRuns([...set].sort((a, b) => a - b), width));
  return [...sets, ...verbatim];
}

function formatRuns(sorted: number[], width: number): string {
  const fmt = (n: number): string => String(n).padStart(width, '0');
  const runs: string[] = [];
  let i = 0;
  while (i < sorted.length) {
    const start = sorted[i] ?? 0;
    let end = start;
    while (sorted[i + 1] === end + 1) end = sorted[++i] ?? end;
    runs.push(start === end ? fmt(start) : `${fmt(start)}-${fmt(end)}`);
    i++;
  }
  return runs.join(',');
}

function isPadded(v: string): boolean {
  return v.length > 1 && v.startsWith('0');
}

function render(texts: string[], axes: string[]): string {
  let s = texts[0] ?? '';
  axes.forEach((a, i) => {
    s += /^\d+$/.test(a) ? a : `[${a}]`;
    s += texts[i + 1] ?? '';
  });
  return s;
}

/** Compares digit runs as numbers, so `h[2]` sorts before `h[10]`. */
function naturalCompare(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}
