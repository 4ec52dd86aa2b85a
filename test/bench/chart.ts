/**
 * A small SVG chart of the throughput bench: sign-ins per server CPU-second (solid) and per
 * wall second (dashed) against concurrency (log scale), one colour per server.
 */
import type { ServerRun } from './throughput';

const COLOURS = ['#1f6feb', '#d1242f', '#1a7f37', '#8250df', '#9a6700'];

export function throughputSvg(servers: ServerRun[], note: string): string {
  const runs = servers.filter((s) => s.levels.length > 0);
  const W = 640;
  const H = 360;
  const m = { l: 64, r: 150, t: 36, b: 60 };
  const xs = [...new Set(runs.flatMap((s) => s.levels.map((l) => l.concurrency)))].sort(
    (a, b) => a - b,
  );
  const ys = runs.flatMap((s) => s.levels.flatMap((l) => [l.perCpuSecond, l.perWallSecond]));
  const yMax = Math.max(1, ...ys) * 1.1;
  const lx = (c: number) => Math.log2(c);
  const x0 = lx(xs[0] ?? 1);
  const x1 = lx(xs[xs.length - 1] ?? 2);
  const px = (c: number) => m.l + (x1 === x0 ? 0.5 : (lx(c) - x0) / (x1 - x0)) * (W - m.l - m.r);
  const py = (v: number) => H - m.b - (v / yMax) * (H - m.t - m.b);
  const esc = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${m.l}" y="18" font-size="13">Passkey sign-ins: per server CPU-second (solid), per second (dashed)</text>`,
    `<text x="${m.l}" y="${H - 6}" fill="#555">${esc(note)}</text>`,
  ];
  for (let i = 0; i <= 5; i++) {
    const v = (yMax / 5) * i;
    parts.push(
      `<line x1="${m.l}" x2="${W - m.r}" y1="${py(v)}" y2="${py(v)}" stroke="#eee"/>`,
      `<text x="${m.l - 6}" y="${py(v) + 4}" text-anchor="end">${v.toFixed(0)}</text>`,
    );
  }
  for (const c of xs)
    parts.push(`<text x="${px(c)}" y="${H - m.b + 16}" text-anchor="middle">${c}</text>`);
  parts.push(
    `<text x="${(m.l + W - m.r) / 2}" y="${H - m.b + 32}" text-anchor="middle">concurrency</text>`,
  );
  runs.forEach((s, i) => {
    const colour = COLOURS[i % COLOURS.length];
    const line = (f: (l: ServerRun['levels'][number]) => number, dash: string) =>
      `<polyline fill="none" stroke="${colour}" stroke-width="2" ${dash} points="${s.levels
        .map((l) => `${px(l.concurrency).toFixed(1)},${py(f(l)).toFixed(1)}`)
        .join(' ')}"/>`;
    parts.push(
      line((l) => l.perCpuSecond, ''),
      line((l) => l.perWallSecond, 'stroke-dasharray="4 3"'),
    );
    for (const l of s.levels)
      parts.push(
        `<circle cx="${px(l.concurrency)}" cy="${py(l.perCpuSecond)}" r="3" fill="${colour}"/>`,
      );
    const y = m.t + 14 + i * 18;
    parts.push(
      `<line x1="${W - m.r + 12}" x2="${W - m.r + 32}" y1="${y - 4}" y2="${y - 4}" stroke="${colour}" stroke-width="2"/>`,
      `<text x="${W - m.r + 38}" y="${y}">${esc(s.name)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
