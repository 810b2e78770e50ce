import { sharedBootstrapVariable, sharedBrokerPidVariable } from '../environment';
import { startTestBroker } from '../launcher';
import { rememberSharedBroker } from './sharedBroker';

/**
 * Jest global set-up of the mock's conformance suite: starts one mock broker shared by every test file and
 * worker, and publishes its bootstrap list in `STREAMOPS_TEST_BOOTSTRAP` (workers inherit the environment). With
 * `KAFKA_BROKERS` set, the external cluster is published instead. Tests keep apart by using unique topic and
 * group names; tests that inject faults start a broker of their own.
 */
export default async function globalSetup(): Promise<void> {
  const broker = await startTestBroker({ kind: 'mock' });
  process.env[sharedBootstrapVariable] = broker.bootstrap.join(',');
  if (broker.pid !== undefined) process.env[sharedBrokerPidVariable] = String(broker.pid);
  rememberSharedBroker(broker);
}
