/** Environment variable naming an external Kafka cluster (comma-separated host:port list) to test against. */
export const externalBrokersVariable = 'KAFKA_BROKERS';

/** Environment variable choosing the local test broker: `kafka` (real Apache Kafka, the default) or `mock`. */
export const testBrokerKindVariable = 'STREAMOPS_TEST_KAFKA';

/** The broker kind `STREAMOPS_TEST_KAFKA` asks for; `kafka` when unset. Any other value is an error. */
export function testBrokerKind(): 'kafka' | 'mock' {
  const value = (process.env[testBrokerKindVariable] ?? '').trim().toLowerCase();
  if (value === '' || value === 'kafka') return 'kafka';
  if (value === 'mock') return 'mock';
  throw new Error(
    `${testBrokerKindVariable} must be "kafka" or "mock", got "${process.env[testBrokerKindVariable]}"`,
  );
}

/** Environment variable through which the jest global set-up shares its broker's bootstrap list. */
export const sharedBootstrapVariable = 'STREAMOPS_TEST_BOOTSTRAP';

/** Environment variable holding the PID of the broker started by the jest global set-up. */
export const sharedBrokerPidVariable = 'STREAMOPS_TEST_BROKER_PID';

function parseList(value: string | undefined): string[] | undefined {
  const entries = (value ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
  return entries.length > 0 ? entries : undefined;
}

/** The external cluster's bootstrap list from `KAFKA_BROKERS`, or undefined when it is not set. */
export function externalBootstrap(): string[] | undefined {
  return parseList(process.env[externalBrokersVariable]);
}

/**
 * The bootstrap list of the broker shared by all jest workers (set by the global set-up), or undefined when
 * the tests run without it. Tests that inject faults must start their own broker instead.
 */
export function sharedTestBootstrap(): string[] | undefined {
  return parseList(process.env[sharedBootstrapVariable]);
}
