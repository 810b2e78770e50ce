/**
 * @streamops/test-broker: the broker under the tests, the demo and the benchmarks. Real Apache Kafka 4 (KRaft,
 * from pinned Maven artifacts) by default, or librdkafka's mock cluster plus our protocol extension, whose
 * control port injects faults. See README.md.
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
  testBrokerKind,
  testBrokerKindVariable,
} from './environment';
export { ensureKafkaResolved, type KafkaArtifacts } from './kafka/artifacts';
export {
  type JavaProcess,
  type JavaProcessOptions,
  runJavaTool,
  startJavaProcess,
} from './kafka/java-process';
export { FaultNotOnRealKafkaError } from './kafka/kafka-control';
export {
  type ClusterSecurityOptions,
  type ClusterTls,
  KraftCluster,
  type ScramUser,
} from './kafka/kraft-cluster';
export {
  type StartTestBrokerOptions,
  startTestBroker,
  type TestBroker,
  type TestBrokerKind,
  type TopicSpec,
} from './launcher';
export { type TopicReadinessOptions, waitUntilTopicsServed } from './kafka/topic-readiness';
export { uniqueTestName } from './names';
export { brokerBinary, buildScript } from './paths';
