import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import { formatMinor } from '../../format';
import { useLang } from '../../i18n';

const short = (label: string) => (label.length > 16 ? `${label.slice(0, 15)}…` : label);

/**
 * A small uPlot chart (canvas) of money per label: bars (totals by group) or a line (spend per
 * day). uPlot sizes its elements through element.style (the CSSOM), which the dashboard's CSP
 * allows; it writes no style attribute into the markup and no <style> element. The chart is an
 * image named by `label` for assistive technology; the table next to it carries the same numbers.
 * Amounts are minor units; the axis labels are formatted with format.ts (never Intl for money).
 */
export function MoneyChart({ label, labels, values, currency, kind }: { label: string; labels: string[]; values: bigint[]; currency: string; kind: 'bars' | 'line' }) {
  const { lang } = useLang();
  const box = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const xs = labels.map((_, i) => i);
    // Minor units as numbers only to place pixels; every number shown comes from the bigint.
    const ys = values.map((v) => Number(v));
    const width = () => Math.max(240, el.clientWidth);
    const accent = getComputedStyle(el).getPropertyValue('--accent').trim() || '#2f6fde';
    const plot = new uPlot(
      {
        width: width(),
        height: 220,
        legend: { show: false },
        cursor: { show: false },
        scales: { x: { time: false, range: [-0.5, Math.max(0.5, labels.length - 0.5)] }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
        axes: [
          // Whole steps only (one label per bar or day, fewer when they would crowd); long names cut.
          { values: (_u, splits) => splits.map((i) => (Number.isInteger(i) ? short(labels[i] ?? '') : '')), incrs: [1, 2, 5, 7, 14, 28, 56, 91], gap: 4, size: 40 },
          { values: (_u, splits) => splits.map((v) => formatMinor(BigInt(Math.round(v)), currency, lang)), size: 90 },
        ],
        series: [
          {},
          kind === 'bars'
            ? { label, stroke: accent, fill: accent, width: 0, paths: uPlot.paths.bars!({ size: [0.6, 60] }), points: { show: false } }
            : { label, stroke: accent, width: 2, points: { show: labels.length <= 40, size: 5 } },
        ],
      },
      [xs, ys],
      el,
    );
    const resized = new ResizeObserver(() => plot.setSize({ width: width(), height: 220 }));
    resized.observe(el);
    return () => {
      resized.disconnect();
      plot.destroy();
    };
  }, [label, labels, values, currency, kind, lang]);

  return <div className="report-chart" role="img" aria-label={label} ref={box} />;
}
