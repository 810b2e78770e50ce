let counter = 0;

/**
 * A topic or group name that no other test, jest worker or earlier run uses: tests share one broker, so names
 * must never collide. Only Kafka-legal characters ([a-zA-Z0-9._-]) are produced.
 */
export function uniqueTestName(prefix: string): string {
  counter += 1;
  const safePrefix = prefix.replace(/[^a-zA-Z0-9._-]/g, '-');
  const random = Math.random().toString(36).slice(2, 8);
  return `${safePrefix}-${process.pid}-${Date.now().toString(36)}-${counter}-${random}`;
}
