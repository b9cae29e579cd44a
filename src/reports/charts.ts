// Charts as server-rendered SVG: no script, no inline style. Colours come from classes styled in
// public/css/app.css (so dark mode works); geometry from presentation attributes. Numbers for
// geometry may be floats; the exact figures are in the table beside each chart.

export interface Datum {
  label: string;
  /** Size of the bar (any unit); only its ratio to the largest matters. */
  value: number;
  /** What the bar says, already formatted ("$12,400.00", "42%", "3.5 days"). */
  display: string;
}

const escape = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

function truncate(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** barChart draws horizontal bars, one per row: label, bar, value. */
export function barChart(data: Datum[], opts: { title: string; id: string; tone?: 'accent' | 'info' | 'success' }): string {
  const width = 560;
  const labelWidth = 140;
  const valueWidth = 124;
  const row = 34;
  const barHeight = 20;
  const height = Math.max(1, data.length) * row + 8;
  const max = Math.max(0, ...data.map((d) => d.value));
  const span = width - labelWidth - valueWidth - 16;
  const bars = data
    .map((d, i) => {
      const y = 4 + i * row;
      const w = max > 0 ? Math.max(d.value > 0 ? 2 : 0, Math.round((d.value / max) * span)) : 0;
      return (
        `<g><title>${escape(`${d.label}: ${d.display}`)}</title>` +
        `<text class="chart-label" x="0" y="${y + barHeight / 2 + 5}">${escape(truncate(d.label, 18))}</text>` +
        `<rect class="chart-track" x="${labelWidth}" y="${y}" width="${span}" height="${barHeight}" rx="4"/>` +
        `<rect class="chart-bar ${opts.tone ?? 'accent'}" x="${labelWidth}" y="${y}" width="${w}" height="${barHeight}" rx="4"/>` +
        `<text class="chart-value" x="${labelWidth + span + 10}" y="${y + barHeight / 2 + 5}">${escape(d.display)}</text></g>`
      );
    })
    .join('');
  return (
    `<svg class="chart" viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-labelledby="${opts.id}" preserveAspectRatio="xMinYMin meet">` +
    `<title id="${opts.id}">${escape(opts.title)}</title>${bars}</svg>`
  );
}

/** columnChart draws vertical columns over a sequence (months), labels below, short values above. */
export function columnChart(data: Datum[], opts: { title: string; id: string; short: (d: Datum) => string }): string {
  const width = 560;
  const height = 220;
  const top = 22;
  const bottom = 28;
  const plot = height - top - bottom;
  const slot = width / Math.max(1, data.length);
  const barWidth = Math.min(36, slot * 0.62);
  const max = Math.max(0, ...data.map((d) => d.value));
  const cols = data
    .map((d, i) => {
      const h = max > 0 ? Math.max(d.value > 0 ? 2 : 0, Math.round((d.value / max) * plot)) : 0;
      const x = i * slot + (slot - barWidth) / 2;
      const cx = i * slot + slot / 2;
      return (
        `<g><title>${escape(`${d.label}: ${d.display}`)}</title>` +
        `<rect class="chart-bar success" x="${x.toFixed(1)}" y="${top + plot - h}" width="${barWidth.toFixed(1)}" height="${h}" rx="4"/>` +
        (d.value > 0 ? `<text class="chart-value small" x="${cx.toFixed(1)}" y="${top + plot - h - 6}" text-anchor="middle">${escape(opts.short(d))}</text>` : '') +
        `<text class="chart-label" x="${cx.toFixed(1)}" y="${height - 8}" text-anchor="middle">${escape(d.label)}</text></g>`
      );
    })
    .join('');
  return (
    `<svg class="chart" viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-labelledby="${opts.id}">` +
    `<title id="${opts.id}">${escape(opts.title)}</title>` +
    `<line class="chart-axis" x1="0" y1="${top + plot + 0.5}" x2="${width}" y2="${top + plot + 0.5}"/>${cols}</svg>`
  );
}
