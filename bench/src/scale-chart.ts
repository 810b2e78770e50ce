/**
 * docs/performance-scale.png: the scale bench's curves (warm cycle and /metrics first render
 * against partitions, one line per group count; peak RSS against committed group-partitions),
 * drawn as SVG with the dashboards' chart primitives and screenshotted with Debian's Chromium
 * by the same helper as docs/dashboards.png.
 */
import { chromiumAvailable, chromiumPath, screenshotHtml } from '../../dashboards/src/screenshot';
import {
  escapeXml,
  formatValue,
  linearScale,
  niceTicks,
  palette,
  valueDomain,
  type ChartSeries,
} from '../../dashboards/src/svg-chart';
import { type ScaleResult } from './scale';

/** One chart: numeric x (log scale, the bench's levels grow tenfold), values in a Grafana unit. */
export interface XyChartOptions {
  readonly title: string;
  readonly unit: string;
  readonly xLabel: string;
  /** Points are [x, value]; x must be positive. */
  readonly series: readonly ChartSeries[];
  readonly width?: number;
  readonly height?: number;
}

/** Powers of ten (and 2× and 5× them when few) covering [min, max]. */
function logTicks(min: number, max: number): number[] {
  const ticks: number[] = [];
  for (let exponent = Math.floor(Math.log10(min)); 10 ** exponent <= max * 1.0001; exponent++) {
    for (const factor of Math.log10(max / min) < 2 ? [1, 2, 5] : [1]) {
      const tick = factor * 10 ** exponent;
      if (tick >= min * 0.9999 && tick <= max * 1.0001) ticks.push(tick);
    }
  }
  return ticks;
}

/** An SVG line chart with a logarithmic x axis, value ticks, markers at every point and a legend. */
export function renderXyChart(options: XyChartOptions): string {
  const width = options.width ?? 560;
  const height = options.height ?? 300;
  const margin = { top: 34, right: 20, bottom: 44, left: 78 };
  const legendRows = options.series.length === 0 ? 0 : 1;
  const plotBottom = height - margin.bottom - legendRows * 18;
  const plotRight = width - margin.right;
  const xs = options.series.flatMap((line) => line.points.map(([x]) => x)).filter((x) => x > 0);
  const xMin = xs.length === 0 ? 1 : Math.min(...xs);
  const xMax = xs.length === 0 ? 10 : Math.max(...xs);
  const logX = linearScale(
    [Math.log10(xMin), Math.log10(xMax === xMin ? xMin * 10 : xMax)],
    [margin.left + 12, plotRight - 12],
  );
  const x = (value: number): number => logX(Math.log10(value));
  const [low, high] = valueDomain(options.series);
  const ticks = niceTicks(low, high, 4, options.unit);
  const y = linearScale([ticks[0]!, ticks[ticks.length - 1]!], [plotBottom, margin.top]);

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
  for (const tick of logTicks(xMin, xMax)) {
    const position = x(tick).toFixed(1);
    parts.push(
      `<line x1="${position}" x2="${position}" y1="${margin.top}" y2="${plotBottom}" stroke="#2c3235"/>`,
      `<text x="${position}" y="${plotBottom + 16}" fill="#9fa7b3" text-anchor="middle">${escapeXml(formatValue(tick, 'short'))}</text>`,
    );
  }
  parts.push(
    `<text x="${(margin.left + plotRight) / 2}" y="${plotBottom + 32}" fill="#9fa7b3" text-anchor="middle">${escapeXml(options.xLabel)} (log scale)</text>`,
  );
  let legendX = margin.left;
  options.series.forEach((line, index) => {
    const color = palette[index % palette.length]!;
    const points = line.points.filter(([px, value]) => px > 0 && Number.isFinite(value));
    if (points.length > 0) {
      const path = points
        .map(([px, value], at) => `${at === 0 ? 'M' : 'L'}${x(px).toFixed(1)},${y(value).toFixed(1)}`)
        .join('');
      parts.push(
        `<path d="${path}" fill="none" stroke="${color}" stroke-width="1.8" stroke-linejoin="round"/>`,
        ...points.map(
          ([px, value]) =>
            `<circle cx="${x(px).toFixed(1)}" cy="${y(value).toFixed(1)}" r="3" fill="${color}"/>`,
        ),
      );
    }
    const top = height - 14;
    parts.push(
      `<rect x="${legendX}" y="${top - 2}" width="12" height="3" fill="${color}"/>`,
      `<text x="${legendX + 18}" y="${top}" fill="#ccccdc" dominant-baseline="middle">${escapeXml(line.name)}</text>`,
    );
    legendX += 18 + line.name.length * 6.6 + 16;
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/** The three charts of the scale bench, as SVG strings. */
export function scaleCharts(result: ScaleResult): string[] {
  const groupLevels = [...new Set(result.cells.map((cell) => cell.groups))].sort((a, b) => a - b);
  const perGroups = (
    xOf: (cell: ScaleResult['cells'][number]) => number,
    valueOf: (cell: ScaleResult['cells'][number]) => number,
  ): ChartSeries[] =>
    groupLevels.map((groups) => ({
      name: `${formatValue(groups, 'short')} groups`,
      points: result.cells
        .filter((cell) => cell.groups === groups)
        .map((cell) => [xOf(cell), valueOf(cell)] as const)
        .sort((a, b) => a[0] - b[0]),
    }));
  const size = { width: 608, height: 300 };
  return [
    renderXyChart({
      title: 'Warm lag-collection cycle (median)',
      unit: 'suffix: ms',
      xLabel: 'partitions',
      series: perGroups(
        (cell) => cell.partitions,
        (cell) => cell.warmCycleMs.median,
      ),
      ...size,
    }),
    renderXyChart({
      title: '/metrics first render after a cycle (median)',
      unit: 'suffix: ms',
      xLabel: 'partitions',
      series: perGroups(
        (cell) => cell.partitions,
        (cell) => cell.firstScrapeMs.median,
      ),
      ...size,
    }),
    renderXyChart({
      title: 'Agent peak RSS',
      unit: 'suffix: MB',
      xLabel: 'committed group-partitions',
      series: perGroups(
        (cell) => cell.groupPartitions,
        (cell) => Math.max(cell.maxRss, cell.rssAfter) / 1e6,
      ),
      ...size,
    }),
  ];
}

/** The page screenshotted: the charts in a two-column grid under a caption. */
export function scaleChartPage(result: ScaleResult, caption: string): string {
  const figures = scaleCharts(result)
    .map((svg) => `<figure>${svg}</figure>`)
    .join('\n');
  return `<!doctype html>
<html><head><meta charset="utf-8"><style>
  body { margin: 0; background: #111217; color: #ccccdc; font-family: Inter, 'DejaVu Sans', Arial, sans-serif; }
  main { padding: 16px; width: 1232px; }
  h1 { font-size: 18px; margin: 0 0 4px; color: #d8d9da; }
  p { font-size: 12px; margin: 0 0 12px; color: #9fa7b3; }
  .grid { display: grid; grid-template-columns: 608px 608px; gap: 16px; }
  figure { margin: 0; }
  svg { display: block; }
</style></head><body><main>
<h1>streamops agent: scale curves</h1>
<p>${escapeXml(caption)}</p>
<div class="grid">
${figures}
</div></main></body></html>`;
}

/**
 * Writes the PNG of the scale curves. Returns false, after logging why, when Chromium is
 * missing or fails: the picture is optional and never fails the bench.
 */
export async function writeScaleChart(
  result: ScaleResult,
  out: string,
  caption: string,
  log: (line: string) => void,
): Promise<boolean> {
  if (!chromiumAvailable()) {
    log(
      `notice: ${chromiumPath} is missing, so ${out} was not rendered ` +
        '(`apt-get install chromium`, then `npm run bench -- --chart-from <results.json>`).',
    );
    return false;
  }
  try {
    await screenshotHtml({ html: scaleChartPage(result, caption), out, width: 1264, height: 800 });
  } catch (error) {
    log(`notice: ${out} was not rendered: ${error instanceof Error ? error.message : String(error)}`);
    return false;
  }
  log(`wrote ${out}`);
  return true;
}
