import { propagation, ROOT_CONTEXT, type Context, type TextMapPropagator } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { kafkaHeaderGetter, kafkaHeaderSetter, type KafkaMessageHeaders } from './kafka-headers';

const w3c = new W3CTraceContextPropagator();

/**
 * Injects and extracts trace context in kafkajs headers. Uses the propagator given in
 * the options, else the global one (so that apps using @opentelemetry/sdk-node or
 * @opentelemetry/instrumentation-kafkajs share the same headers), else W3C trace
 * context, so traces connect even when the app registered no propagator.
 */
export class TraceContextCarrier {
  constructor(private readonly explicit: TextMapPropagator | undefined) {}

  /** The propagator to use now; undefined means the global one. */
  private current(): TextMapPropagator | undefined {
    if (this.explicit !== undefined) return this.explicit;
    // The no-op global propagator has no fields; checked per call because apps register theirs late.
    return propagation.fields().length > 0 ? undefined : w3c;
  }

  inject(context: Context, headers: KafkaMessageHeaders): void {
    const propagator = this.current();
    if (propagator === undefined) propagation.inject(context, headers, kafkaHeaderSetter);
    else propagator.inject(context, headers, kafkaHeaderSetter);
  }

  extract(headers: KafkaMessageHeaders | undefined): Context {
    const propagator = this.current();
    if (propagator === undefined) return propagation.extract(ROOT_CONTEXT, headers, kafkaHeaderGetter);
    return propagator.extract(ROOT_CONTEXT, headers, kafkaHeaderGetter);
  }
}
