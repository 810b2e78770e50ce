import { type TestBroker } from '@streamops/test-broker';

/** Which broker a bench's figures came from, for the report: the kind, its version and its size. */
export function describeBroker(broker: TestBroker): string {
  const nodes = broker.bootstrap.length;
  switch (broker.kind) {
    case 'kafka':
      return `Apache Kafka ${broker.version} (KRaft, ${nodes} node${nodes === 1 ? '' : 's'}, local JVMs on this machine)`;
    case 'mock':
      return `librdkafka's mock cluster with the streamops extension (${nodes} broker${nodes === 1 ? '' : 's'}, one process)`;
    case 'external':
      return `an external cluster (KAFKA_BROKERS, ${nodes} bootstrap address${nodes === 1 ? '' : 'es'})`;
  }
}
