/**
 * Calls `probe` until it returns a value other than undefined, or fails after `timeoutMs`
 * with the last error or value described. Tests wait with this instead of sleeping.
 */
export async function pollUntil<T>(
  description: string,
  probe: () => Promise<T | undefined> | T | undefined,
  { timeoutMs = 15_000, intervalMs = 50 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastProblem = 'no result yet';
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastProblem = (error as Error).message;
    }
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}: ${lastProblem}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
