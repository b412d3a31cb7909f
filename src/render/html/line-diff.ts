/**
 * A line diff for the report's output groups: what a group printed against what the largest
 * group printed. Myers' O((N+M)·D) algorithm, bounded: past `maxEdits` differences the texts
 * are simply different, and the diff is "all removed, all added" (a report is no place to
 * spend seconds aligning two unrelated 8 KiB outputs, 1,000 times).
 */

/** One line of a diff: kept (' '), only in the base ('-'), only in the other text ('+'). */
export type DiffLine = readonly [' ' | '-' | '+', string];

/** A run of kept lines left out of a diff, between the context lines around changes. */
export type DiffSkip = readonly ['=', number];

/** A diff as the report shows it: changed lines with context, long unchanged runs folded. */
export type DiffHunks = (DiffLine | DiffSkip)[];

/** The edits turning `base` into `other`, line by line, in order. */
export function diffLines(base: readonly string[], other: readonly string[], maxEdits = 400): DiffLine[] {
  // Common prefix and suffix first: most groups differ in a line or two.
  let start = 0;
  while (start < base.length && start < other.length && base[start] === other[start]) start += 1;
  let endBase = base.length;
  let endOther = other.length;
  while (endBase > start && endOther > start && base[endBase - 1] === other[endOther - 1]) {
    endBase -= 1;
    endOther -= 1;
  }
  const head = base.slice(0, start).map((line): DiffLine => [' ', line]);
  const tail = base.slice(endBase).map((line): DiffLine => [' ', line]);
  const middle = myers(base.slice(start, endBase), other.slice(start, endOther), maxEdits);
  return [...head, ...middle, ...tail];
}

/** Folds runs of kept lines longer than twice `context` into a DiffSkip. */
export function foldDiff(diff: readonly DiffLine[], context = 2): DiffHunks {
  const out: DiffHunks = [];
  let i = 0;
  while (i < diff.length) {
    if (diff[i]?.[0] !== ' ') {
      out.push(diff[i] as DiffLine);
      i += 1;
      continue;
    }
    let j = i;
    while (j < diff.length && diff[j]?.[0] === ' ') j += 1;
    const keepBefore = i === 0 ? 0 : context;
    const keepAfter = j === diff.length ? 0 : context;
    if (j - i > keepBefore + keepAfter + 1) {
      out.push(...diff.slice(i, i + keepBefore));
      out.push(['=', j - i - keepBefore - keepAfter]);
      out.push(...diff.slice(j - keepAfter, j));
    } else {
      out.push(...diff.slice(i, j));
    }
    i = j;
  }
  return out;
}

function myers(a: readonly string[], b: readonly string[], maxEdits: number): DiffLine[] {
  const n = a.length;
  const m = b.length;
  if (n === 0) return b.map((line): DiffLine => ['+', line]);
  if (m === 0) return a.map((line): DiffLine => ['-', line]);
  const max = Math.min(n + m, maxEdits);
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  for (let d = 0; d <= max; d += 1) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      const down = k === -d || (k !== d && (v[offset + k - 1] as number) < (v[offset + k + 1] as number));
      let x = down ? (v[offset + k + 1] as number) : (v[offset + k - 1] as number) + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x += 1;
        y += 1;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) return backtrack(trace, a, b, offset, d, k);
    }
  }
  return [...a.map((line): DiffLine => ['-', line]), ...b.map((line): DiffLine => ['+', line])];
}

/** Walks the saved frontiers back from the end to recover the edit script. */
function backtrack(trace: readonly Int32Array[], a: readonly string[], b: readonly string[], offset: number, dEnd: number, kEnd: number): DiffLine[] {
  const out: DiffLine[] = [];
  let x = a.length;
  let y = b.length;
  let k = kEnd;
  for (let d = dEnd; d > 0; d -= 1) {
    const v = trace[d] as Int32Array;
    const down = k === -d || (k !== d && (v[offset + k - 1] as number) < (v[offset + k + 1] as number));
    const prevK = down ? k + 1 : k - 1;
    const prevX = v[offset + prevK] as number;
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      out.push([' ', a[x - 1] as string]);
      x -= 1;
      y -= 1;
    }
    if (down) out.push(['+', b[y - 1] as string]);
    else out.push(['-', a[x - 1] as string]);
    x = prevX;
    y = prevY;
    k = prevK;
  }
  while (x > 0 && y > 0) {
    out.push([' ', a[x - 1] as string]);
    x -= 1;
    y -= 1;
  }
  return out.reverse();
}
