import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diffLines, rulesLines, sideBySide } from '../../../web/src/pages/policies/line-diff';

/** The lines of each side the edit script keeps. */
function sides(ops: ReturnType<typeof diffLines>) {
  return {
    left: ops.filter((o) => o.kind !== 'added').map((o) => o.text),
    right: ops.filter((o) => o.kind !== 'removed').map((o) => o.text),
  };
}

describe('the policy pages’ line diff', () => {
  it('marks a changed value as one line removed and one added, the rest the same', () => {
    const a = rulesLines([{ name: 'big', value: 1 }]);
    const b = rulesLines([{ name: 'big', value: 2 }]);
    const ops = diffLines(a, b);
    expect(ops.filter((o) => o.kind !== 'same')).toEqual([
      { kind: 'removed', left: 4, text: '    "value": 1' },
      { kind: 'added', right: 4, text: '    "value": 2' },
    ]);
    expect(sideBySide(ops).find((r) => r.left?.kind === 'removed')).toEqual({ left: { line: 4, text: '    "value": 1', kind: 'removed' }, right: { line: 4, text: '    "value": 2', kind: 'added' } });
  });

  it('rebuilds both texts, keeps a longest common subsequence, and numbers lines in order', () => {
    const lines = fc.array(fc.constantFrom('a', 'b', 'c', '{', '}', '"x": 1'), { maxLength: 40 });
    fc.assert(
      fc.property(lines, lines, (a, b) => {
        const ops = diffLines(a, b);
        expect(sides(ops)).toEqual({ left: a, right: b });
        const lefts = ops.flatMap((o) => (o.kind === 'added' ? [] : [o.left]));
        const rights = ops.flatMap((o) => (o.kind === 'removed' ? [] : [o.right]));
        expect(lefts).toEqual(a.map((_, i) => i + 1));
        expect(rights).toEqual(b.map((_, i) => i + 1));
        // As many kept lines as a longest common subsequence has.
        const lcs = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
        for (let i = a.length - 1; i >= 0; i--) for (let j = b.length - 1; j >= 0; j--) lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
        expect(ops.filter((o) => o.kind === 'same')).toHaveLength(lcs[0]![0]!);
        // Side by side, every line of each version appears once, in order.
        const rows = sideBySide(ops);
        expect(rows.flatMap((r) => (r.left ? [r.left.text] : []))).toEqual(a);
        expect(rows.flatMap((r) => (r.right ? [r.right.text] : []))).toEqual(b);
      }),
    );
  });

  it('an identical version has no changes', () => {
    const a = rulesLines([{ name: 'x' }]);
    expect(diffLines(a, a).every((o) => o.kind === 'same')).toBe(true);
  });
});
