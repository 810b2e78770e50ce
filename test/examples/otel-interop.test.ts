import { isAlive, printedBrokerPids, printedPids, runExample } from '../support/example-process';

const otelScope = '@opentelemetry/instrumentation-kafkajs';
const streamopsScope = '@streamops/sdk';

/** The printed trace trees: a `trace <id>, <n> spans:` line and the indented span lines under it. */
function printedTraces(output: string): { traceId: string; lines: string[] }[] {
  return [...output.matchAll(/^trace ([0-9a-f]{32}), \d+ spans:\n((?: {2}.*\n)+)/gm)].map((match) => ({
    traceId: match[1] ?? '',
    lines: (match[2] ?? '').trimEnd().split('\n'),
  }));
}

describe('examples/otel-interop', () => {
  it('prints one trace per checkout, each one tree through both instrumentations, and leaves no process', async () => {
    const output = await runExample('otel-interop', ['--checkouts', '2']);

    const traces = printedTraces(output);
    expect(traces).toHaveLength(2);
    for (const trace of traces) {
      // One root, then each span one level below the one before: a single chain across both sides.
      const columns = trace.lines.map((line) => line.trim().split(/\s{2,}/));
      expect(columns).toEqual([
        ['checkout', 'shop', 'shop', 'INTERNAL'],
        ['└─ send otel-interop.orders', 'shop', otelScope, 'PRODUCER'],
        ['└─ process otel-interop.orders', 'billing', streamopsScope, 'CONSUMER'],
        ['└─ send otel-interop.invoices', 'billing', streamopsScope, 'PRODUCER'],
        ['└─ process otel-interop.invoices', 'shop', otelScope, 'CONSUMER'],
      ]);
      const indents = trace.lines.map((line) => line.search(/\S/));
      expect(indents).toEqual([2, 2, 5, 8, 11]);
    }
    expect(output).toContain(`2 traces, one per checkout, each a single tree across shop and billing`);
    // The broker, billing and the shop, each printed with its PID, are gone.
    const pids = printedPids(output);
    const brokerPids = printedBrokerPids(output);
    expect(brokerPids.length).toBeGreaterThan(0);
    expect(pids).toHaveLength(brokerPids.length + 2);
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
  });
});
