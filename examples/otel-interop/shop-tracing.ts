// Imported first by shop.ts: the kafkajs instrumentation patches kafkajs when it is
// required, so the SDK has to be started before anything loads kafkajs.
import { KafkaJsInstrumentation } from '@opentelemetry/instrumentation-kafkajs';
import { startTracing } from './tracing';

export const shopTracing = startTracing('shop', [new KafkaJsInstrumentation()]);
