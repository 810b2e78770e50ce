import { runExample } from '../support/example-process';

describe('examples/order-enrichment-pipeline', () => {
  it('delivers or dead-letters every order, and the agent models the pipeline', async () => {
    const output = await runExample('order-enrichment-pipeline', [
      '--duration',
      '14',
      '--rate',
      '80',
      '--port',
      '0',
    ]);
    expect(output).toContain('every order was delivered or dead-lettered');
    const produced = Number(/produced (\d+) orders/.exec(output)?.[1]);
    const validated = Number(/validate: (\d+) valid, (\d+) malformed/.exec(output)?.[1]);
    const malformed = Number(/validate: (\d+) valid, (\d+) malformed/.exec(output)?.[2]);
    // Every 200th order is malformed; the rest pass validation.
    expect(malformed).toBe(Math.floor(produced / 200));
    expect(validated + malformed).toBeGreaterThanOrEqual(produced);
    expect(output).toMatch(/D \d+\.\d\/s × P 0\.9\d × C 1\.00 = R \d+\.\d\/s/);
  });
});
