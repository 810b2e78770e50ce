/**
 * Start-up and shutdown for the examples: every started resource registers how to stop
 * it, and Ctrl-C, SIGTERM, `--duration` or a failure stops them in reverse order.
 */
export class Lifecycle {
  private readonly stops: { name: string; stop: () => Promise<unknown> }[] = [];
  private stopping: Promise<never> | undefined;

  /** Registers how to stop a resource that was just started. */
  onStop(name: string, stop: () => unknown): void {
    this.stops.push({ name, stop: () => Promise.resolve(stop()) });
  }

  /** Stops everything on SIGINT/SIGTERM with exit code 0. */
  stopOnSignals(): void {
    process.once('SIGINT', () => void this.exit(0));
    process.once('SIGTERM', () => void this.exit(0));
  }

  /** Stops everything after `seconds` with exit code 0, unless something stops it first. */
  stopAfter(seconds: number | null): void {
    if (seconds !== null) setTimeout(() => void this.exit(0), seconds * 1000).unref();
  }

  /** Stops every registered resource, newest first; failures are printed, not thrown. */
  async stopAll(): Promise<void> {
    for (const { name, stop } of this.stops.splice(0).reverse()) {
      try {
        await stop();
      } catch (error) {
        console.error(`stopping ${name} failed: ${(error as Error).message}`);
      }
    }
  }

  /** Stops everything once, then exits the process with `code`. */
  exit(code: number): Promise<never> {
    this.stopping ??= (async () => {
      process.stdout.write('\nstopping...\n');
      await this.stopAll();
      process.exit(code);
    })();
    return this.stopping;
  }

  /** Runs an example's `main`: a failure is printed and everything is stopped with exit code 1. */
  run(main: (lifecycle: Lifecycle) => Promise<void>): void {
    this.stopOnSignals();
    main(this).catch((error: unknown) => {
      console.error(error instanceof Error ? error.message : String(error));
      void this.exit(1);
    });
  }
}
