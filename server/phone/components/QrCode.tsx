/**
 * Draws a QR code as SVG from the qrcode package's module matrix: no canvas, no data: URL,
 * no innerHTML, so it works under a strict Content-Security-Policy.
 */
import { useMemo } from 'react';
import QRCode from 'qrcode';

export function QrCode(props: { text: string; label: string; size?: number }) {
  const { path, count } = useMemo(() => {
    const qr = QRCode.create(props.text, { errorCorrectionLevel: 'M' });
    const n = qr.modules.size;
    let d = '';
    for (let y = 0; y < n; y++) {
      for (let x = 0; x < n; x++) {
        if (qr.modules.get(x, y)) d += `M${x + 4} ${y + 4}h1v1h-1z`;
      }
    }
    return { path: d, count: n + 8 }; // 4-module quiet zone on each side
  }, [props.text]);
  const size = props.size ?? 220;
  return (
    <svg
      role="img"
      aria-label={props.label}
      data-testid="qr"
      width={size}
      height={size}
      viewBox={`0 0 ${count} ${count}`}
      shapeRendering="crispEdges"
      className="qr"
    >
      <rect width={count} height={count} fill="#fff" />
      <path d={path} fill="#000" />
    </svg>
  );
}
