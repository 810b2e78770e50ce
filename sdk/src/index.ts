/**
 * @streamops/sdk: instrumentation for existing kafkajs pipelines.
 *
 * Public API. Everything not exported here is internal and may change.
 */
export {
  instrument,
  instrumentConsumer,
  instrumentProducer,
  type KafkaClientFactory,
} from './instrumentation/instrument';
export {
  type Clock,
  type InstrumentationOptions,
  type InstrumentConsumerOptions,
  type InstrumentOptions,
  type InstrumentProducerOptions,
  type LabelOptions,
  type ReliabilityOptions,
} from './options/types';
export { InvalidOptionError } from './options/invalid-option-error';
export { sdkMetricCatalogue, sdkMetrics } from './metrics/catalogue';
export { OVERFLOW_LABEL_VALUE } from './metrics/label-limiter';
export { streamopsHeaderNames } from './propagation/streamops-headers';
export { kafkaHeaderGetter, kafkaHeaderSetter, type KafkaMessageHeaders } from './propagation/kafka-headers';
export { catalogueProblems, type MetricDefinition, type MetricType } from './metrics/definition';
export {
  runStage,
  stage,
  StageTimeoutError,
  stageOutcomes,
  type BackoffOptions,
  type Sleep,
  type Stage,
  type StageContext,
  type StageHandler,
  type StageOptions,
  type StageOutcome,
  type StageResult,
} from './processor/stage';
export {
  deadLetterHeaderNames,
  pipeline,
  type Pipeline,
  type PipelineOptions,
  type PipelineSink,
  type PipelineSource,
} from './processor/pipeline';
export { BusyTimeAccount } from './processor/busy-time';
export { startReporter, type Reporter, type ReporterOptions, type ReportResult } from './reporter/reporter';
