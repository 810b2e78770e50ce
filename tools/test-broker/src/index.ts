/**
 * @streamops/test-broker: a Kafka-protocol test broker (librdkafka's mock cluster plus our protocol extension)
 * for tests, the demo and benchmarks, with fault injection through a control port. See README.md.
 */
export { ensureBrokerBuilt } from './build';
export {
  type BrokerControl,
  type BrokerState,
  type BrokerStatus,
  ControlCommandError,
  FaultInjectionUnavailableError,
  type GroupState,
  type PartitionState,
  type TopicState,
} from './control';
export {
  externalBootstrap,
  externalBrokersVariable,
  sharedBootstrapVariable,
  sharedBrokerPidVariable,
  sharedTestBootstrap,
} from './environment';
export { type StartTestBrokerOptions, startTestBroker, type TestBroker, type TopicSpec } from './launcher';
export { uniqueTestName } from './names';
export { brokerBinary, buildScript } from './paths';
