import { useMemo } from 'react';
import { encode } from 'uqr';

/** A QR code drawn here from its text (nothing leaves the browser): one SVG rect per dark module. */
export function QrCode({ text, label }: { text: string; label: string }) {
  const { size, cells } = useMemo(() => {
    const qr = encode(text, { ecc: 'M', border: 2 });
    const dark: Array<[number, number]> = [];
    qr.data.forEach((row, y) => row.forEach((on, x) => on && dark.push([x, y])));
    return { size: qr.size, cells: dark };
  }, [text]);
  return (
    <svg className="qr" viewBox={`0 0 ${size} ${size}`} role="img" aria-label={label} shapeRendering="crispEdges">
      {cells.map(([x, y]) => (
        <rect key={`${x}.${y}`} className="dark" x={x} y={y} width={1} height={1} />
      ))}
    </svg>
  );
}
