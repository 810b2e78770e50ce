/**
 * @streamops/sdk: instrumentation for existing kafkajs pipelines.
 *
 * Public API. Everything not exported here is internal and may change.
 */
export { kafkaHeaderGetter, kafkaHeaderSetter, type KafkaMessageHeaders } from './propagation/kafka-headers';
export { catalogueProblems, type MetricDefinition, type MetricType } from './metrics/definition';
