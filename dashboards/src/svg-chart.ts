/**
 * A small, dependency-free SVG line chart for the rendered picture of the dashboards
 * (`npm run dashboards:picture`): linear scales, "nice" value and time ticks, values
 * formatted by Grafana unit, a legend. Pure functions: strings in, strings out.
 */

/** One line: [unix seconds, value] points; NaN or infinite values break the line. */
export interface ChartSeries {
  readonly name: string;
  readonly points: readonly (readonly [number, number])[];
}

/** What {@link renderLineChart} draws. */
export interface LineChartOptions {
  readonly title: string;
  /** A Grafana unit: `s`, `short`, `percentunit`, `bytes`, `none`, or `suffix:<text>`. */
  readonly unit: string;
  readonly series: readonly ChartSeries[];
  /** The time range shown, unix seconds. */
  readonly start: number;
  readonly end: number;
  /** Points further apart than this (seconds) are not joined. Default: never split. */
  readonly gapSeconds?: number;
  readonly width?: number;
  readonly height?: number;
}

/** Grafana's classic palette, in order. */
export const palette: readonly string[] = [
  '#7eb26d',
  '#eab839',
  '#6ed0e0',
  '#ef843c',
  '#e24d42',
  '#1f78c1',
  '#ba43a9',
  '#705da0',
];

/** A linear map from `domain` to `range`; a zero-width domain maps everything to the range's middle. */
export function linearScale(
  domain: readonly [number, number],
  range: readonly [number, number],
): (value: number) => number {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  if (d1 === d0) return () => (r0 + r1) / 2;
  return (value) => r0 + ((value - d0) / (d1 - d0)) * (r1 - r0);
}

/** A step of 1, 2, 2.5 or 5 × 10^n giving about `count` intervals over `span`. */
export function niceStep(span: number, count: number): number {
  if (!(span > 0) || !Number.isFinite(span)) return 1;
  const raw = span / Math.max(1, count);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / magnitude;
  const nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 2.5 ? 2.5 : fraction <= 5 ? 5 : 10;
  return nice * magnitude;
}

/** Clock-friendly steps, in seconds, for durations and time axes. */
const clockSteps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400];

/**
 * Round ticks covering [min, max]: the first at or below min, the last at or above max.
 * For the unit `s`, spans of minutes use clock steps (15 s, 30 s, 1 min...).
 */
export function niceTicks(min: number, max: number, count = 5, unit = ''): number[] {
  if (min === max) {
    if (min === 0) return niceTicks(0, 1, count, unit);
    const pad = Math.abs(min) / 2;
    return niceTicks(min - pad, max + pad, count, unit);
  }
  const clockStep =
    unit === 's' && (max - min) / count > 10
      ? clockSteps.find((candidate) => (max - min) / candidate <= count)
      : undefined;
  const step = clockStep ?? niceStep(max - min, count);
  const first = Math.floor(min / step + 1e-9) * step;
  const last = Math.ceil(max / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let index = 0; first + index * step <= last + step * 1e-9; index++) {
    ticks.push(roundTo(first + index * step, step));
  }
  return ticks;
}

/** Time ticks (unix seconds) at round clock intervals inside [start, end]. */
export function timeTicks(start: number, end: number, count = 6): number[] {
  const steps = clockSteps;
  const span = end - start;
  if (!(span > 0)) return [start];
  const step = steps.find((candidate) => span / candidate <= count) ?? steps[steps.length - 1]!;
  const ticks: number[] = [];
  for (let tick = Math.ceil(start / step) * step; tick <= end; tick += step) ticks.push(tick);
  return ticks;
}

/** HH:MM:SS in UTC. */
export function formatTime(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().slice(11, 19);
}

/** Removes float noise: rounds to the precision of `step`. */
function roundTo(value: number, step: number): number {
  const decimals = Math.max(0, -Math.floor(Math.log10(step)) + 2);
  return Number(value.toFixed(Math.min(decimals, 12)));
}

/** A number with at most `digits` significant digits, without trailing zeros. */
function compact(value: number, digits = 3): string {
  if (value === 0) return '0';
  const text = Math.abs(value) >= 10 ** digits ? value.toFixed(0) : value.toPrecision(digits);
  return text.includes('.') && !text.includes('e') ? text.replace(/\.?0+$/, '') : String(Number(text));
}

/** A value formatted the way Grafana shows the given unit, shortly. */
export function formatValue(value: number, unit: string): string {
  if (!Number.isFinite(value)) return String(value);
  if (unit === 'percentunit') return `${compact(value * 100)}%`;
  if (unit === 's') {
    const size = Math.abs(value);
    if (size === 0) return '0 s';
    if (size < 1) return `${compact(value * 1000)} ms`;
    if (size < 60) return `${compact(value)} s`;
    if (size < 3600) return `${compact(value / 60)} min`;
    if (size < 86400) return `${compact(value / 3600)} h`;
    return `${compact(value / 86400)} d`;
  }
  if (unit === 'bytes') {
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let scaled = value;
    let index = 0;
    while (Math.abs(scaled) >= 1024 && index < units.length - 1) {
      scaled /= 1024;
      index++;
    }
    return `${compact(scaled)} ${units[index]}`;
  }
  const suffix = unit.startsWith('suffix:') ? unit.slice('suffix:'.length) : '';
  const size = Math.abs(value);
  const number =
    size >= 1e9
      ? `${compact(value / 1e9)} B`
      : size >= 1e6
        ? `${compact(value / 1e6)} M`
        : size >= 1e3
          ? `${compact(value / 1e3)} K`
          : compact(value);
  return `${number}${suffix}`;
}

/** Escapes text for SVG content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

/** Rough width of a label in the chart's 12 px sans-serif font. */
function textWidth(text: string): number {
  return text.length * 6.6;
}

/** The legend laid out in rows that fit `width`: [x, row] per series. */
function legendLayout(
  names: readonly string[],
  width: number,
): { positions: [number, number][]; rows: number } {
  const positions: [number, number][] = [];
  let x = 0;
  let row = 0;
  for (const name of names) {
    const itemWidth = 18 + textWidth(name) + 16;
    if (x > 0 && x + itemWidth > width) {
      x = 0;
      row++;
    }
    positions.push([x, row]);
    x += itemWidth;
  }
  return { positions, rows: names.length === 0 ? 0 : row + 1 };
}

/** The SVG path of one series: a line through its finite points, split at gaps. */
function linePath(
  points: readonly (readonly [number, number])[],
  x: (t: number) => number,
  y: (v: number) => number,
  gapSeconds: number,
): string {
  let path = '';
  let previous: number | undefined;
  for (const [time, value] of points) {
    if (!Number.isFinite(value)) {
      previous = undefined;
      continue;
    }
    const move = previous === undefined || time - previous > gapSeconds;
    path += `${move ? 'M' : 'L'}${x(time).toFixed(1)},${y(value).toFixed(1)}`;
    previous = time;
  }
  return path;
}

/** The value range to plot: always includes 0, and is never empty. */
export function valueDomain(series: readonly ChartSeries[]): [number, number] {
  const values = series.flatMap((line) => line.points.map(([, value]) => value)).filter(Number.isFinite);
  const min = Math.min(0, ...values);
  const max = Math.max(0, ...values);
  return min === max ? [0, 1] : [min, max];
}

/** An SVG line chart with a title, value and time axes, and a legend; "No data" when there are no points. */
export function renderLineChart(options: LineChartOptions): string {
  const width = options.width ?? 560;
  const height = options.height ?? 300;
  const margin = { top: 34, right: 16, bottom: 26, left: 78 };
  const legendWidth = width - margin.left - margin.right;
  const legend = legendLayout(
    options.series.map((line) => line.name),
    legendWidth,
  );
  const legendHeight = legend.rows * 18;
  const plotBottom = height - margin.bottom - legendHeight - (legend.rows > 0 ? 6 : 0);
  const plotRight = width - margin.right;

  const [low, high] = valueDomain(options.series);
  const ticks = niceTicks(low, high, 4, options.unit);
  const y = linearScale([ticks[0]!, ticks[ticks.length - 1]!], [plotBottom, margin.top]);
  const x = linearScale([options.start, options.end], [margin.left, plotRight]);
  const hasData = options.series.some((line) => line.points.some(([, value]) => Number.isFinite(value)));

  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Inter, 'DejaVu Sans', Arial, sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" rx="4" fill="#181b1f" stroke="#2c3235"/>`,
    `<text x="12" y="21" fill="#d8d9da" font-size="14" font-weight="600">${escapeXml(options.title)}</text>`,
  ];
  for (const tick of ticks) {
    const position = y(tick).toFixed(1);
    parts.push(
      `<line x1="${margin.left}" x2="${plotRight}" y1="${position}" y2="${position}" stroke="#2c3235"/>`,
      `<text x="${margin.left - 6}" y="${position}" fill="#9fa7b3" text-anchor="end" dominant-baseline="middle">${escapeXml(formatValue(tick, options.unit))}</text>`,
    );
  }
  for (const tick of timeTicks(options.start, options.end, 6)) {
    const position = x(tick).toFixed(1);
    parts.push(
      `<line x1="${position}" x2="${position}" y1="${margin.top}" y2="${plotBottom}" stroke="#2c3235"/>`,
      `<text x="${position}" y="${plotBottom + 16}" fill="#9fa7b3" text-anchor="middle">${formatTime(tick)}</text>`,
    );
  }
  if (hasData) {
    options.series.forEach((line, index) => {
      const path = linePath(line.points, x, y, options.gapSeconds ?? Infinity);
      if (path !== '') {
        parts.push(
          `<path d="${path}" fill="none" stroke="${palette[index % palette.length]}" stroke-width="1.6" stroke-linejoin="round"/>`,
        );
      }
    });
  } else {
    parts.push(
      `<text x="${(margin.left + plotRight) / 2}" y="${(margin.top + plotBottom) / 2}" fill="#9fa7b3" text-anchor="middle" font-size="14">No data</text>`,
    );
  }
  options.series.forEach((line, index) => {
    const [left, row] = legend.positions[index]!;
    const top = plotBottom + 30 + row * 18;
    parts.push(
      `<rect x="${margin.left + left}" y="${top - 2}" width="12" height="3" fill="${palette[index % palette.length]}"/>`,
      `<text x="${margin.left + left + 18}" y="${top}" fill="#ccccdc" dominant-baseline="middle">${escapeXml(line.name)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}
