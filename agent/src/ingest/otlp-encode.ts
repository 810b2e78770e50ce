import {
  type OtlpAttribute,
  type OtlpHistogramPoint,
  type OtlpMetric,
  type OtlpMetricsRequest,
  type OtlpNumberPoint,
} from './otlp-model';
import { ProtobufWriter } from './protobuf-writer';

/**
 * Encoders for the subset of ExportMetricsServiceRequest the agent reads: the inverse of
 * the decoders, for the benchmark's simulated instances, end-to-end tests and round-trip
 * tests. Attribute values are written as strings; number point values as as_double
 * (as_int when the value is a safe integer and `integersAsInt` is set).
 */

/** Encoding choices. */
export interface EncodeOptions {
  /** Write safe-integer point values as as_int instead of as_double. Default false. */
  readonly integersAsInt?: boolean;
}

function attributeMessage(attribute: OtlpAttribute): ProtobufWriter {
  const keyValue = new ProtobufWriter().stringField(1, attribute.key);
  if (attribute.value !== null)
    keyValue.messageField(2, new ProtobufWriter().stringField(1, attribute.value));
  return keyValue;
}

function writeAttributes(
  writer: ProtobufWriter,
  fieldNumber: number,
  attributes: readonly OtlpAttribute[],
): void {
  for (const attribute of attributes) writer.messageField(fieldNumber, attributeMessage(attribute));
}

function asInt(value: number, options: EncodeOptions): boolean {
  return options.integersAsInt === true && Number.isSafeInteger(value);
}

function numberPointMessage(point: OtlpNumberPoint, options: EncodeOptions): ProtobufWriter {
  const writer = new ProtobufWriter();
  writeAttributes(writer, 7, point.attributes);
  if (point.startTimeUnixNano !== 0) writer.fixed64Field(2, BigInt(Math.round(point.startTimeUnixNano)));
  writer.fixed64Field(3, BigInt(Math.round(point.timeUnixNano)));
  if (point.value !== null) {
    if (asInt(point.value, options)) writer.fixed64Field(6, BigInt(point.value));
    else writer.doubleField(4, point.value);
  }
  if (point.flags !== 0) writer.varintField(8, point.flags);
  return writer;
}

function histogramPointMessage(point: OtlpHistogramPoint): ProtobufWriter {
  const writer = new ProtobufWriter();
  writeAttributes(writer, 9, point.attributes);
  if (point.startTimeUnixNano !== 0) writer.fixed64Field(2, BigInt(Math.round(point.startTimeUnixNano)));
  writer.fixed64Field(3, BigInt(Math.round(point.timeUnixNano)));
  writer.fixed64Field(4, BigInt(Math.round(point.count)));
  if (point.sum !== null) writer.doubleField(5, point.sum);
  if (point.bucketCounts.length > 0) {
    writer.packedFixed64Field(
      6,
      point.bucketCounts.map((count) => BigInt(Math.round(count))),
    );
  }
  if (point.explicitBounds.length > 0) writer.packedDoubleField(7, point.explicitBounds);
  if (point.flags !== 0) writer.varintField(10, point.flags);
  return writer;
}

function metricMessage(metric: OtlpMetric, options: EncodeOptions): ProtobufWriter {
  const writer = new ProtobufWriter().stringField(1, metric.name);
  if (metric.unit !== '') writer.stringField(3, metric.unit);
  const { data } = metric;
  if (data.type === 'gauge') {
    const gauge = new ProtobufWriter();
    for (const point of data.points) gauge.messageField(1, numberPointMessage(point, options));
    writer.messageField(5, gauge);
  } else if (data.type === 'sum') {
    const sum = new ProtobufWriter();
    for (const point of data.points) sum.messageField(1, numberPointMessage(point, options));
    if (data.temporality !== 0) sum.varintField(2, data.temporality);
    if (data.monotonic) sum.varintField(3, true);
    writer.messageField(7, sum);
  } else if (data.type === 'histogram') {
    const histogram = new ProtobufWriter();
    for (const point of data.points) histogram.messageField(1, histogramPointMessage(point));
    if (data.temporality !== 0) histogram.varintField(2, data.temporality);
    writer.messageField(9, histogram);
  } else if (data.type === 'unsupported') {
    // Empty data points of the right kind, so that the count survives a round trip.
    const other = new ProtobufWriter();
    for (let index = 0; index < data.pointCount; index++) other.bytesField(1, new Uint8Array(0));
    writer.messageField(data.kind === 'summary' ? 11 : 10, other);
  }
  return writer;
}

/** Encodes a request as protobuf (application/x-protobuf). */
export function encodeOtlpProtobuf(request: OtlpMetricsRequest, options: EncodeOptions = {}): Uint8Array {
  const writer = new ProtobufWriter();
  for (const resourceMetrics of request.resourceMetrics) {
    const resourceWriter = new ProtobufWriter();
    const resource = new ProtobufWriter();
    writeAttributes(resource, 1, resourceMetrics.resourceAttributes);
    resourceWriter.messageField(1, resource);
    for (const scope of resourceMetrics.scopeMetrics) {
      const scopeWriter = new ProtobufWriter();
      if (scope.scopeName !== '')
        scopeWriter.messageField(1, new ProtobufWriter().stringField(1, scope.scopeName));
      for (const metric of scope.metrics) scopeWriter.messageField(2, metricMessage(metric, options));
      resourceWriter.messageField(2, scopeWriter);
    }
    writer.messageField(1, resourceWriter);
  }
  return writer.finish();
}

function jsonAttributes(attributes: readonly OtlpAttribute[]): unknown[] {
  return attributes.map((attribute) =>
    attribute.value === null
      ? { key: attribute.key }
      : { key: attribute.key, value: { stringValue: attribute.value } },
  );
}

/** Doubles as OTLP JSON writes them: non-finite values as strings. */
function jsonDouble(value: number): number | string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return 'Infinity';
  if (value === Number.NEGATIVE_INFINITY) return '-Infinity';
  return value;
}

/** 64-bit integers as OTLP JSON writes them: decimal strings. */
function jsonInt64(value: number): string {
  return BigInt(Math.round(value)).toString();
}

function jsonNumberPoint(point: OtlpNumberPoint, options: EncodeOptions): unknown {
  const json: Record<string, unknown> = {
    attributes: jsonAttributes(point.attributes),
    timeUnixNano: jsonInt64(point.timeUnixNano),
  };
  if (point.startTimeUnixNano !== 0) json.startTimeUnixNano = jsonInt64(point.startTimeUnixNano);
  if (point.value !== null) {
    if (asInt(point.value, options)) json.asInt = jsonInt64(point.value);
    else json.asDouble = jsonDouble(point.value);
  }
  if (point.flags !== 0) json.flags = point.flags;
  return json;
}

function jsonHistogramPoint(point: OtlpHistogramPoint): unknown {
  const json: Record<string, unknown> = {
    attributes: jsonAttributes(point.attributes),
    timeUnixNano: jsonInt64(point.timeUnixNano),
    count: jsonInt64(point.count),
    bucketCounts: point.bucketCounts.map(jsonInt64),
    explicitBounds: point.explicitBounds.map(jsonDouble),
  };
  if (point.startTimeUnixNano !== 0) json.startTimeUnixNano = jsonInt64(point.startTimeUnixNano);
  if (point.sum !== null) json.sum = jsonDouble(point.sum);
  if (point.flags !== 0) json.flags = point.flags;
  return json;
}

function jsonMetric(metric: OtlpMetric, options: EncodeOptions): unknown {
  const json: Record<string, unknown> = { name: metric.name };
  if (metric.unit !== '') json.unit = metric.unit;
  const { data } = metric;
  if (data.type === 'gauge') {
    json.gauge = { dataPoints: data.points.map((point) => jsonNumberPoint(point, options)) };
  } else if (data.type === 'sum') {
    json.sum = {
      dataPoints: data.points.map((point) => jsonNumberPoint(point, options)),
      aggregationTemporality: data.temporality,
      isMonotonic: data.monotonic,
    };
  } else if (data.type === 'histogram') {
    json.histogram = {
      dataPoints: data.points.map(jsonHistogramPoint),
      aggregationTemporality: data.temporality,
    };
  } else if (data.type === 'unsupported') {
    json[data.kind === 'summary' ? 'summary' : 'exponentialHistogram'] = {
      dataPoints: Array.from({ length: data.pointCount }, () => ({})),
    };
  }
  return json;
}

/** Encodes a request as OTLP JSON (application/json), as bytes. */
export function encodeOtlpJson(request: OtlpMetricsRequest, options: EncodeOptions = {}): Uint8Array {
  const json = {
    resourceMetrics: request.resourceMetrics.map((resourceMetrics) => ({
      resource: { attributes: jsonAttributes(resourceMetrics.resourceAttributes) },
      scopeMetrics: resourceMetrics.scopeMetrics.map((scope) => ({
        scope: { name: scope.scopeName },
        metrics: scope.metrics.map((metric) => jsonMetric(metric, options)),
      })),
    })),
  };
  return Buffer.from(JSON.stringify(json));
}
