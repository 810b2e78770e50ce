import { mapWithConcurrency } from './concurrency';

describe('mapWithConcurrency', () => {
  it('keeps order and never exceeds the limit', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const result = await mapWithConcurrency([5, 1, 4, 2, 3], 2, async (value) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      // Later items finish first, so completion order differs from input order.
      await new Promise<void>((resolve) => setImmediate(resolve));
      inFlight--;
      return value * 10;
    });
    expect(result).toEqual([50, 10, 40, 20, 30]);
    expect(maxInFlight).toBe(2);
  });

  it('handles no items and rejects a bad limit', async () => {
    await expect(mapWithConcurrency([], 3, () => Promise.resolve(1))).resolves.toEqual([]);
    await expect(mapWithConcurrency([1], 0, () => Promise.resolve(1))).rejects.toThrow('limit must be');
  });

  it('rejects when one call fails', async () => {
    await expect(
      mapWithConcurrency([1, 2], 2, (value) =>
        value === 2 ? Promise.reject(new Error('boom')) : Promise.resolve(value),
      ),
    ).rejects.toThrow('boom');
  });
});
