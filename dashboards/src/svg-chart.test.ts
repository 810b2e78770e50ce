import {
  escapeXml,
  formatTime,
  formatValue,
  linearScale,
  niceStep,
  niceTicks,
  renderLineChart,
  timeTicks,
  valueDomain,
} from './svg-chart';

describe('linearScale', () => {
  it('maps the domain onto the range, inverted for a y axis', () => {
    const y = linearScale([0, 100], [200, 0]);
    expect(y(0)).toBe(200);
    expect(y(100)).toBe(0);
    expect(y(25)).toBe(150);
  });

  it('maps a zero-width domain to the middle of the range', () => {
    expect(linearScale([5, 5], [0, 10])(5)).toBe(5);
  });
});

describe('niceTicks', () => {
  it('uses 1, 2, 2.5 or 5 times a power of ten and covers the data', () => {
    expect(niceStep(100, 4)).toBe(25);
    expect(niceStep(0.9, 4)).toBe(0.25);
    expect(niceTicks(0, 87, 4)).toEqual([0, 25, 50, 75, 100]);
    expect(niceTicks(0, 0.3, 4)).toEqual([0, 0.1, 0.2, 0.3]);
    expect(niceTicks(-3, 7, 5)).toEqual([-4, -2, 0, 2, 4, 6, 8]);
  });

  it('has no float noise', () => {
    for (const tick of niceTicks(0, 0.7, 7)) expect(String(tick).length).toBeLessThanOrEqual(3);
  });

  it('uses clock steps for durations of minutes', () => {
    expect(niceTicks(0, 90, 4, 's')).toEqual([0, 30, 60, 90]);
    expect(niceTicks(0, 2, 4, 's')).toEqual([0, 0.5, 1, 1.5, 2]);
  });

  it('widens a flat range', () => {
    expect(niceTicks(0, 0, 4)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    const around = niceTicks(10, 10, 4);
    expect(around[0]).toBeLessThan(10);
    expect(around[around.length - 1]).toBeGreaterThan(10);
  });
});

describe('timeTicks', () => {
  it('puts ticks on round clock times inside the range', () => {
    expect(timeTicks(1000, 1090, 6)).toEqual([1005, 1020, 1035, 1050, 1065, 1080]);
    expect(timeTicks(0, 3600, 6)).toEqual([0, 600, 1200, 1800, 2400, 3000, 3600]);
    expect(formatTime(3723)).toBe('01:02:03');
  });
});

describe('formatValue', () => {
  it('formats Grafana units', () => {
    expect(formatValue(0.25, 'percentunit')).toBe('25%');
    expect(formatValue(0.012, 's')).toBe('12 ms');
    expect(formatValue(42, 's')).toBe('42 s');
    expect(formatValue(90, 's')).toBe('1.5 min');
    expect(formatValue(2500, 'short')).toBe('2.5 K');
    expect(formatValue(2048, 'bytes')).toBe('2 KiB');
    expect(formatValue(12.5, 'suffix: msg/s')).toBe('12.5 msg/s');
    expect(formatValue(0, 'none')).toBe('0');
  });
});

describe('valueDomain', () => {
  it('includes zero, skips NaN, and is never empty', () => {
    expect(
      valueDomain([
        {
          name: 'a',
          points: [
            [1, 5],
            [2, NaN],
            [3, 9],
          ],
        },
      ]),
    ).toEqual([0, 9]);
    expect(valueDomain([{ name: 'a', points: [[1, -2]] }])).toEqual([-2, 0]);
    expect(valueDomain([])).toEqual([0, 1]);
  });
});

describe('renderLineChart', () => {
  const base = { title: 'Time lag by group', unit: 's', start: 1000, end: 1090 };

  it('draws a title, axes with unit-formatted ticks, one line per series and a legend', () => {
    const svg = renderLineChart({
      ...base,
      series: [
        {
          name: 'orders-laggard (local)',
          points: [
            [1000, 0],
            [1030, 30],
            [1060, 60],
            [1090, 90],
          ],
        },
        {
          name: 'orders-group (local)',
          points: [
            [1000, 0.1],
            [1090, 0.2],
          ],
        },
      ],
    });
    expect(svg).toMatch(/^<svg /);
    expect(svg).toContain('>Time lag by group</text>');
    expect(svg).toContain('>1.5 min</text>');
    expect(svg).toContain('>00:17:00</text>');
    expect(svg.match(/<path /g)).toHaveLength(2);
    expect(svg).toContain('>orders-laggard (local)</text>');
    expect(svg).not.toContain('No data');
  });

  it('says "No data" and draws no line when there are no points', () => {
    for (const series of [[], [{ name: 'empty', points: [] }]]) {
      const svg = renderLineChart({ ...base, series });
      expect(svg).toContain('>No data</text>');
      expect(svg).not.toContain('<path ');
    }
  });

  it('breaks a line at gaps and NaN', () => {
    const svg = renderLineChart({
      ...base,
      gapSeconds: 10,
      series: [
        {
          name: 'a',
          points: [
            [1000, 1],
            [1005, 2],
            [1050, 3],
            [1055, NaN],
            [1060, 4],
          ],
        },
      ],
    });
    const path = /<path d="([^"]+)"/.exec(svg)![1]!;
    expect(path.match(/M/g)).toHaveLength(3);
    expect(path.match(/L/g)).toHaveLength(1);
  });

  it('escapes text', () => {
    expect(escapeXml('a < b & "c"')).toBe('a &#60; b &#38; &#34;c&#34;');
    expect(renderLineChart({ ...base, title: '<ρ>', series: [] })).toContain('&#60;ρ&#62;');
  });
});
