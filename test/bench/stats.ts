/** Percentiles and the bench's row formatting. */

export type Stats = { n: number; p50: number; p99: number; mean: number };

export function stats(samples: number[]): Stats {
  const s = [...samples].sort((a, b) => a - b);
  if (s.length === 0) return { n: 0, p50: NaN, p99: NaN, mean: NaN };
  // s is non-empty here, so the clamped index always names a sample.
  const at = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
  return {
    n: s.length,
    p50: at(0.5),
    p99: at(0.99),
    mean: s.reduce((a, b) => a + b, 0) / s.length,
  };
}

export const ms = (v: number) => (v >= 10 ? v.toFixed(1) : v.toFixed(3)).padStart(8) + ' ms';
export const num = (v: number, digits = 1) => v.toFixed(digits).padStart(8);

export function row(label: string, text: string): void {
  console.log(`  ${label.padEnd(56)} ${text}`);
}

export function latencyRow(label: string, st: Stats): void {
  row(label, `p50 ${ms(st.p50)}   p99 ${ms(st.p99)}   (n=${st.n})`);
}

export function ratioRow(label: string, a: Stats, b: Stats): void {
  row(
    label,
    `p50 ${(a.p50 / b.p50).toFixed(2).padStart(8)} x   p99 ${(a.p99 / b.p99).toFixed(2).padStart(8)} x`,
  );
}

export function heading(text: string): void {
  console.log(`\n${text}`);
}
