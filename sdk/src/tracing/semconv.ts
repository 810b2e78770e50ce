/**
 * OpenTelemetry semantic-convention names used on spans. The messaging ones are still
 * "development" in @opentelemetry/semantic-conventions (only exported from its
 * incubating entry point, which may change in minor versions), so, as that package
 * advises, they are kept here; the stable ones come from the package.
 */
import { ATTR_ERROR_TYPE } from '@opentelemetry/semantic-conventions';

export { ATTR_ERROR_TYPE };

export const ATTR_MESSAGING_SYSTEM = 'messaging.system';
export const ATTR_MESSAGING_OPERATION_NAME = 'messaging.operation.name';
export const ATTR_MESSAGING_OPERATION_TYPE = 'messaging.operation.type';
export const ATTR_MESSAGING_DESTINATION_NAME = 'messaging.destination.name';
export const ATTR_MESSAGING_DESTINATION_PARTITION_ID = 'messaging.destination.partition.id';
export const ATTR_MESSAGING_CONSUMER_GROUP_NAME = 'messaging.consumer.group.name';
export const ATTR_MESSAGING_KAFKA_OFFSET = 'messaging.kafka.offset';
export const ATTR_MESSAGING_BATCH_MESSAGE_COUNT = 'messaging.batch.message_count';

export const MESSAGING_SYSTEM_KAFKA = 'kafka';
export const OPERATION_SEND = 'send';
export const OPERATION_PROCESS = 'process';

/** streamops attributes, namespaced as the conventions ask for non-standard ones. */
export const ATTR_STREAMOPS_PIPELINE = 'streamops.pipeline';
export const ATTR_STREAMOPS_STAGE = 'streamops.stage';
export const ATTR_STREAMOPS_OUTCOME = 'streamops.outcome';
export const ATTR_STREAMOPS_REDELIVERED = 'streamops.redelivered';
/** Set on per-message spans under eachBatch when one resolveOffset covered several messages. */
export const ATTR_STREAMOPS_DURATION_SHARED = 'streamops.process.duration_shared';
