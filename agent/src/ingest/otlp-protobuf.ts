import { DecodeBudget } from './decode-error';
import { type DecodeLimits } from './limits';
import {
  OTLP_TEMPORALITY,
  type OtlpAttribute,
  type OtlpAttributeValue,
  type OtlpHistogramPoint,
  type OtlpMetric,
  type OtlpMetricData,
  type OtlpMetricsRequest,
  type OtlpNumberPoint,
  type OtlpResourceMetrics,
  type OtlpScopeMetrics,
} from './otlp-model';
import { ProtobufReader, WireType } from './protobuf-reader';

// Field numbers of the OTLP protos (opentelemetry-proto: collector/metrics/v1/metrics_service.proto,
// metrics/v1/metrics.proto, common/v1/common.proto, resource/v1/resource.proto). Only the
// fields the agent reads are named; every other field is skipped by wire type.
const ExportRequest = { resourceMetrics: 1 } as const;
const ResourceMetricsField = { resource: 1, scopeMetrics: 2, legacyLibraryMetrics: 1000 } as const;
const ResourceField = { attributes: 1 } as const;
const ScopeMetricsField = { scope: 1, metrics: 2 } as const;
const ScopeField = { name: 1 } as const;
const MetricField = {
  name: 1,
  unit: 3,
  gauge: 5,
  sum: 7,
  histogram: 9,
  exponentialHistogram: 10,
  summary: 11,
} as const;
const DataField = { dataPoints: 1, temporality: 2, monotonic: 3 } as const;
const NumberPointField = { start: 2, time: 3, asDouble: 4, asInt: 6, attributes: 7, flags: 8 } as const;
const HistogramPointField = {
  start: 2,
  time: 3,
  count: 4,
  sum: 5,
  bucketCounts: 6,
  explicitBounds: 7,
  attributes: 9,
  flags: 10,
} as const;
const KeyValueField = { key: 1, value: 2 } as const;
const AnyValueField = { string: 1, bool: 2, int: 3, double: 4, array: 5, kvlist: 6, bytes: 7 } as const;

/**
 * Decodes a protobuf ExportMetricsServiceRequest into the fields the agent reads.
 *
 * Strict about the wire format (see {@link ProtobufReader}) and about the wire types of
 * known fields; unknown fields are skipped. Counts and lengths are checked against
 * `limits` before anything is allocated for them. Array and key-value-list attribute
 * values are skipped without being descended into (they become null), so the nesting of
 * what is read is fixed by the schema and bounded.
 *
 * @throws OtlpDecodeError (malformed_protobuf or limit_exceeded); nothing else.
 */
export function decodeOtlpProtobuf(body: Uint8Array, limits: DecodeLimits): OtlpMetricsRequest {
  const budget = new DecodeBudget(limits);
  const reader = ProtobufReader.of(body);
  const resourceMetrics: OtlpResourceMetrics[] = [];
  while (reader.nextField()) {
    if (reader.fieldNumber === ExportRequest.resourceMetrics) {
      reader.expectWireType(WireType.lengthDelimited, 'resource_metrics');
      budget.takeResource();
      resourceMetrics.push(readResourceMetrics(reader.readMessage(), budget));
    } else reader.skipField();
  }
  return { resourceMetrics };
}

function readResourceMetrics(reader: ProtobufReader, budget: DecodeBudget): OtlpResourceMetrics {
  let resourceAttributes: OtlpAttribute[] = [];
  const scopeMetrics: OtlpScopeMetrics[] = [];
  while (reader.nextField()) {
    switch (reader.fieldNumber) {
      case ResourceMetricsField.resource:
        reader.expectWireType(WireType.lengthDelimited, 'resource');
        resourceAttributes = readResource(reader.readMessage(), budget);
        break;
      case ResourceMetricsField.scopeMetrics:
      case ResourceMetricsField.legacyLibraryMetrics:
        // Senders from before ScopeMetrics used field 1000 with the same layout.
        reader.expectWireType(WireType.lengthDelimited, 'scope_metrics');
        scopeMetrics.push(readScopeMetrics(reader.readMessage(), budget));
        break;
      default:
        reader.skipField();
    }
  }
  return { resourceAttributes, scopeMetrics };
}

function readResource(reader: ProtobufReader, budget: DecodeBudget): OtlpAttribute[] {
  const attributes: OtlpAttribute[] = [];
  while (reader.nextField()) {
    if (reader.fieldNumber === ResourceField.attributes) readAttributeInto(reader, attributes, budget);
    else reader.skipField();
  }
  return attributes;
}

function readScopeMetrics(reader: ProtobufReader, budget: DecodeBudget): OtlpScopeMetrics {
  let scopeName = '';
  const metrics: OtlpMetric[] = [];
  while (reader.nextField()) {
    switch (reader.fieldNumber) {
      case ScopeMetricsField.scope:
        reader.expectWireType(WireType.lengthDelimited, 'scope');
        scopeName = readScopeName(reader.readMessage(), budget);
        break;
      case ScopeMetricsField.metrics:
        reader.expectWireType(WireType.lengthDelimited, 'metrics');
        budget.takeMetric();
        metrics.push(readMetric(reader.readMessage(), budget));
        break;
      default:
        reader.skipField();
    }
  }
  return { scopeName, metrics };
}

function readScopeName(reader: ProtobufReader, budget: DecodeBudget): string {
  let name = '';
  while (reader.nextField()) {
    if (reader.fieldNumber === ScopeField.name) {
      reader.expectWireType(WireType.lengthDelimited, 'scope name');
      name = reader.readString((bytes) => budget.checkStringBytes(bytes, 'a scope name'));
    } else reader.skipField(); // version, attributes: not used
  }
  return name;
}

function readMetric(reader: ProtobufReader, budget: DecodeBudget): OtlpMetric {
  let name = '';
  let unit = '';
  let data: OtlpMetricData = { type: 'none' };
  while (reader.nextField()) {
    switch (reader.fieldNumber) {
      case MetricField.name:
        reader.expectWireType(WireType.lengthDelimited, 'metric name');
        name = reader.readString((bytes) => budget.checkStringBytes(bytes, 'a metric name'));
        break;
      case MetricField.unit:
        reader.expectWireType(WireType.lengthDelimited, 'metric unit');
        unit = reader.readString((bytes) => budget.checkStringBytes(bytes, 'a metric unit'));
        break;
      case MetricField.gauge:
        reader.expectWireType(WireType.lengthDelimited, 'gauge');
        data = { type: 'gauge', points: readNumberData(reader.readMessage(), budget).points };
        break;
      case MetricField.sum: {
        reader.expectWireType(WireType.lengthDelimited, 'sum');
        const sum = readNumberData(reader.readMessage(), budget);
        data = { type: 'sum', ...sum };
        break;
      }
      case MetricField.histogram:
        reader.expectWireType(WireType.lengthDelimited, 'histogram');
        data = readHistogramData(reader.readMessage(), budget);
        break;
      case MetricField.exponentialHistogram:
      case MetricField.summary: {
        const kind = reader.fieldNumber === MetricField.summary ? 'summary' : 'exponential_histogram';
        reader.expectWireType(WireType.lengthDelimited, kind);
        data = { type: 'unsupported', kind, pointCount: countDataPoints(reader.readMessage(), budget) };
        break;
      }
      default:
        reader.skipField(); // description, metadata
    }
  }
  return { name, unit, data };
}

/** Gauge and Sum share data_points = 1; Sum adds temporality = 2 and is_monotonic = 3. */
function readNumberData(
  reader: ProtobufReader,
  budget: DecodeBudget,
): { points: OtlpNumberPoint[]; temporality: number; monotonic: boolean } {
  const points: OtlpNumberPoint[] = [];
  let temporality: number = OTLP_TEMPORALITY.unspecified;
  let monotonic = false;
  while (reader.nextField()) {
    switch (reader.fieldNumber) {
      case DataField.dataPoints:
        reader.expectWireType(WireType.lengthDelimited, 'data_points');
        budget.takePoint();
        points.push(readNumberPoint(reader.readMessage(), budget));
        break;
      case DataField.temporality:
        reader.expectWireType(WireType.varint, 'aggregation_temporality');
        temporality = reader.readVarint();
        break;
      case DataField.monotonic:
        reader.expectWireType(WireType.varint, 'is_monotonic');
        monotonic = reader.readVarint() !== 0;
        break;
      default:
        reader.skipField();
    }
  }
  return { points, temporality, monotonic };
}

function readHistogramData(reader: ProtobufReader, budget: DecodeBudget): OtlpMetricData {
  const points: OtlpHistogramPoint[] = [];
  let temporality: number = OTLP_TEMPORALITY.unspecified;
  while (reader.nextField()) {
    switch (reader.fieldNumber) {
      case DataField.dataPoints:
        reader.expectWireType(WireType.lengthDelimited, 'data_points');
        budget.takePoint();
        points.push(readHistogramPoint(reader.readMessage(), budget));
        break;
      case DataField.temporality:
        reader.expectWireType(WireType.varint, 'aggregation_temporality');
        temporality = reader.readVarint();
        break;
      default:
        reader.skipField();
    }
  }
  return { type: 'histogram', temporality, points };
}

/** Counts the data points of a metric type the agent does not read, so they count against the limit. */
function countDataPoints(reader: ProtobufReader, budget: DecodeBudget): number {
  let count = 0;
  while (reader.nextField()) {
    if (reader.fieldNumber === DataField.dataPoints) {
      reader.expectWireType(WireType.lengthDelimited, 'data_points');
      budget.takePoint();
      count++;
    }
    reader.skipField();
  }
  return count;
}

function readNumberPoint(reader: ProtobufReader, budget: DecodeBudget): OtlpNumberPoint {
  const attributes: OtlpAttribute[] = [];
  let startTimeUnixNano = 0;
  let timeUnixNano = 0;
  let value: number | null = null;
  let flags = 0;
  while (reader.nextField()) {
    switch (reader.fieldNumber) {
      case NumberPointField.attributes:
        readAttributeInto(reader, attributes, budget);
        break;
      case NumberPointField.start:
        reader.expectWireType(WireType.fixed64, 'start_time_unix_nano');
        startTimeUnixNano = reader.readFixed64();
        break;
      case NumberPointField.time:
        reader.expectWireType(WireType.fixed64, 'time_unix_nano');
        timeUnixNano = reader.readFixed64();
        break;
      case NumberPointField.asDouble:
        reader.expectWireType(WireType.fixed64, 'as_double');
        value = reader.readDouble();
        break;
      case NumberPointField.asInt:
        reader.expectWireType(WireType.fixed64, 'as_int');
        value = reader.readSfixed64();
        break;
      case NumberPointField.flags:
        reader.expectWireType(WireType.varint, 'flags');
        flags = reader.readVarint();
        break;
      default:
        reader.skipField(); // exemplars
    }
  }
  return { attributes, startTimeUnixNano, timeUnixNano, value, flags };
}

function readHistogramPoint(reader: ProtobufReader, budget: DecodeBudget): OtlpHistogramPoint {
  const attributes: OtlpAttribute[] = [];
  let startTimeUnixNano = 0;
  let timeUnixNano = 0;
  let count = 0;
  let sum: number | null = null;
  const bucketCounts: number[] = [];
  const explicitBounds: number[] = [];
  let flags = 0;
  while (reader.nextField()) {
    switch (reader.fieldNumber) {
      case HistogramPointField.attributes:
        readAttributeInto(reader, attributes, budget);
        break;
      case HistogramPointField.start:
        reader.expectWireType(WireType.fixed64, 'start_time_unix_nano');
        startTimeUnixNano = reader.readFixed64();
        break;
      case HistogramPointField.time:
        reader.expectWireType(WireType.fixed64, 'time_unix_nano');
        timeUnixNano = reader.readFixed64();
        break;
      case HistogramPointField.count:
        reader.expectWireType(WireType.fixed64, 'count');
        count = reader.readFixed64();
        break;
      case HistogramPointField.sum:
        reader.expectWireType(WireType.fixed64, 'sum');
        sum = reader.readDouble();
        break;
      case HistogramPointField.bucketCounts:
        reader.readRepeated64(bucketCounts, 'fixed64', (total) =>
          budget.checkBuckets(total, 'bucket counts'),
        );
        break;
      case HistogramPointField.explicitBounds:
        // One bound fewer than buckets, so bounds may reach the limit minus one.
        reader.readRepeated64(explicitBounds, 'double', (total) => budget.checkBuckets(total + 1, 'buckets'));
        break;
      case HistogramPointField.flags:
        reader.expectWireType(WireType.varint, 'flags');
        flags = reader.readVarint();
        break;
      default:
        reader.skipField(); // exemplars, min, max
    }
  }
  return { attributes, startTimeUnixNano, timeUnixNano, count, sum, bucketCounts, explicitBounds, flags };
}

/** Reads one KeyValue (the current field) and appends it to `into`. */
function readAttributeInto(reader: ProtobufReader, into: OtlpAttribute[], budget: DecodeBudget): void {
  reader.expectWireType(WireType.lengthDelimited, 'attributes');
  budget.takeAttribute(into.length);
  const keyValue = reader.readMessage();
  let key = '';
  let value: OtlpAttributeValue = null;
  while (keyValue.nextField()) {
    switch (keyValue.fieldNumber) {
      case KeyValueField.key:
        keyValue.expectWireType(WireType.lengthDelimited, 'attribute key');
        key = keyValue.readString((bytes) => budget.checkStringBytes(bytes, 'an attribute key'));
        break;
      case KeyValueField.value:
        keyValue.expectWireType(WireType.lengthDelimited, 'attribute value');
        value = readAnyValue(keyValue.readMessage(), budget);
        break;
      default:
        keyValue.skipField();
    }
  }
  into.push({ key, value });
}

/** Reads an AnyValue as a scalar string; arrays and key-value lists are skipped (null). */
function readAnyValue(reader: ProtobufReader, budget: DecodeBudget): OtlpAttributeValue {
  let value: OtlpAttributeValue = null;
  const checkLength = (bytes: number): void => budget.checkStringBytes(bytes, 'an attribute value');
  while (reader.nextField()) {
    switch (reader.fieldNumber) {
      case AnyValueField.string:
        reader.expectWireType(WireType.lengthDelimited, 'string_value');
        value = reader.readString(checkLength);
        break;
      case AnyValueField.bool:
        reader.expectWireType(WireType.varint, 'bool_value');
        value = reader.readVarint() !== 0 ? 'true' : 'false';
        break;
      case AnyValueField.int:
        reader.expectWireType(WireType.varint, 'int_value');
        value = reader.readInt64AsString();
        break;
      case AnyValueField.double:
        reader.expectWireType(WireType.fixed64, 'double_value');
        value = String(reader.readDouble());
        break;
      case AnyValueField.bytes:
        reader.expectWireType(WireType.lengthDelimited, 'bytes_value');
        value = reader.readBytesAsBase64(checkLength);
        break;
      case AnyValueField.array:
      case AnyValueField.kvlist:
        reader.expectWireType(WireType.lengthDelimited, 'array or kvlist value');
        reader.skipField();
        value = null;
        break;
      default:
        reader.skipField();
    }
  }
  return value;
}
