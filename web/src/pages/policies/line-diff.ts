// A line-by-line diff of two texts (a version's rules, pretty-printed), laid out side by side.

export type LineOp = { kind: 'same'; left: number; right: number; text: string } | { kind: 'removed'; left: number; text: string } | { kind: 'added'; right: number; text: string };

/** Beyond this many cells (changed lines × changed lines) the middle is shown as replaced wholesale. */
const MAX_CELLS = 4_000_000;

/**
 * The edit script from `a` to `b`: common lines kept, the rest removed (from a) or added (to b),
 * in order; line numbers are 1-based. A longest common subsequence of the lines between the
 * common prefix and suffix; removals come before additions where both are possible.
 */
export function diffLines(a: readonly string[], b: readonly string[]): LineOp[] {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const ops: LineOp[] = [];
  for (let i = 0; i < start; i++) ops.push({ kind: 'same', left: i + 1, right: i + 1, text: a[i]! });
  const n = endA - start;
  const m = endB - start;
  if (n * m > MAX_CELLS) {
    for (let i = start; i < endA; i++) ops.push({ kind: 'removed', left: i + 1, text: a[i]! });
    for (let j = start; j < endB; j++) ops.push({ kind: 'added', right: j + 1, text: b[j]! });
  } else {
    // lcs[i][j]: the LCS length of a[start+i..endA) and b[start+j..endB), in one flat array.
    const width = m + 1;
    const lcs = new Uint32Array((n + 1) * width);
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) {
        lcs[i * width + j] = a[start + i] === b[start + j] ? lcs[(i + 1) * width + j + 1]! + 1 : Math.max(lcs[(i + 1) * width + j]!, lcs[i * width + j + 1]!);
      }
    }
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && a[start + i] === b[start + j]) {
        ops.push({ kind: 'same', left: start + i + 1, right: start + j + 1, text: a[start + i]! });
        i++;
        j++;
      } else if (i < n && (j >= m || lcs[(i + 1) * width + j]! >= lcs[i * width + j + 1]!)) {
        ops.push({ kind: 'removed', left: start + i + 1, text: a[start + i]! });
        i++;
      } else {
        ops.push({ kind: 'added', right: start + j + 1, text: b[start + j]! });
        j++;
      }
    }
  }
  for (let i = endA, j = endB; i < a.length; i++, j++) ops.push({ kind: 'same', left: i + 1, right: j + 1, text: a[i]! });
  return ops;
}

export interface DiffCell {
  line: number;
  text: string;
  kind: 'same' | 'removed' | 'added';
}

/** A row of the side-by-side view: the left version's line and the right one's (either may be empty). */
export interface DiffRow {
  left: DiffCell | null;
  right: DiffCell | null;
}

/** Side by side: unchanged lines face each other; a run of removals faces the additions that replace it. */
export function sideBySide(ops: readonly LineOp[]): DiffRow[] {
  const rows: DiffRow[] = [];
  let k = 0;
  while (k < ops.length) {
    const op = ops[k]!;
    if (op.kind === 'same') {
      rows.push({ left: { line: op.left, text: op.text, kind: 'same' }, right: { line: op.right, text: op.text, kind: 'same' } });
      k++;
      continue;
    }
    const removed: DiffCell[] = [];
    const added: DiffCell[] = [];
    while (k < ops.length && ops[k]!.kind !== 'same') {
      const c = ops[k]!;
      if (c.kind === 'removed') removed.push({ line: c.left, text: c.text, kind: 'removed' });
      else if (c.kind === 'added') added.push({ line: c.right, text: c.text, kind: 'added' });
      k++;
    }
    for (let r = 0; r < Math.max(removed.length, added.length); r++) rows.push({ left: removed[r] ?? null, right: added[r] ?? null });
  }
  return rows;
}

/** Rules as the diff and the version view show them: JSON with two-space indents, one line each. */
export function rulesLines(rules: unknown): string[] {
  return JSON.stringify(rules, null, 2).split('\n');
}
