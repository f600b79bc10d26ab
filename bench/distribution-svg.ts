import type { Distribution } from './stats';

/*
 * The failover-time distribution as a hand-written SVG: one row per fault kind, every trial a
 * tick on a shared seconds axis, the p50 and p99 marked, the sample count and figures beside.
 */

export interface Series {
  readonly label: string;
  readonly colour: string;
  readonly distribution: Distribution;
}

const WIDTH = 760;
const ROW = 56;
const LEFT = 170;
const RIGHT = 30;
const TOP = 40;

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function axis(maxS: number, x: (s: number) => number, bottom: number): string[] {
  const step = maxS > 8 ? 2 : maxS > 3 ? 1 : 0.5;
  const parts: string[] = [`<line x1="${LEFT}" y1="${bottom}" x2="${WIDTH - RIGHT}" y2="${bottom}" stroke="#444"/>`];
  for (let s = 0; s <= maxS + 1e-9; s += step) {
    parts.push(`<line x1="${x(s)}" y1="${TOP - 6}" x2="${x(s)}" y2="${bottom}" stroke="#ddd"/>`);
    parts.push(`<text x="${x(s)}" y="${bottom + 16}" text-anchor="middle">${s.toFixed(step < 1 ? 1 : 0)} s</text>`);
  }
  return parts;
}

function row(series: Series, index: number, x: (s: number) => number): string[] {
  const mid = TOP + index * ROW + ROW / 2;
  const d = series.distribution;
  const ticks = d.samples_s.map((s) => `<line x1="${x(s).toFixed(1)}" y1="${mid - 10}" x2="${x(s).toFixed(1)}" y2="${mid + 10}" stroke="${series.colour}" stroke-opacity="0.5"/>`);
  const marker = (s: number, name: string) =>
    `<line x1="${x(s)}" y1="${mid - 16}" x2="${x(s)}" y2="${mid + 16}" stroke="#000" stroke-width="2"/><text x="${x(s)}" y="${mid - 19}" text-anchor="middle" font-size="10">${name}</text>`;
  return [
    `<text x="10" y="${mid - 4}">${escape(series.label)}</text>`,
    `<text x="10" y="${mid + 12}" fill="#555" font-size="11">n=${d.trials}, p50 ${d.p50_s} s, p99 ${d.p99_s} s</text>`,
    ...ticks,
    marker(d.p50_s, 'p50'),
    marker(d.p99_s, 'p99'),
  ];
}

export function distributionSvg(title: string, series: readonly Series[]): string {
  const maxS = Math.max(1, ...series.map((s) => s.distribution.max_s)) * 1.05;
  const x = (s: number) => Math.round(LEFT + (s / maxS) * (WIDTH - LEFT - RIGHT));
  const bottom = TOP + series.length * ROW;
  const height = bottom + 30;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="20" font-size="14" font-weight="bold">${escape(title)}</text>`,
    ...axis(maxS, x, bottom),
    ...series.flatMap((s, i) => row(s, i, x)),
    '</svg>',
    '',
  ].join('\n');
}
