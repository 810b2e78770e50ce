import { TextDecoder } from 'node:util';
import { DecodeBudget, malformedJson } from './decode-error';
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

type JsonObject = Readonly<Record<string, unknown>>;

const utf8 = new TextDecoder('utf-8', { fatal: true });

// proto3 JSON: 64-bit integers may be strings; at most 20 digits keeps Number() cheap and sane.
const unsignedPattern = /^[0-9]{1,20}$/;
const signedPattern = /^-?[0-9]{1,20}$/;
const temporalityNames: Readonly<Record<string, number>> = {
  AGGREGATION_TEMPORALITY_UNSPECIFIED: OTLP_TEMPORALITY.unspecified,
  AGGREGATION_TEMPORALITY_DELTA: OTLP_TEMPORALITY.delta,
  AGGREGATION_TEMPORALITY_CUMULATIVE: OTLP_TEMPORALITY.cumulative,
};

/**
 * Decodes an OTLP/JSON ExportMetricsServiceRequest into the fields the agent reads.
 *
 * Follows the OTLP JSON mapping: lowerCamelCase field names (the proto names in
 * snake_case are accepted too), 64-bit integers as decimal strings or numbers, enums as
 * numbers or names, doubles as numbers or "NaN"/"Infinity"/"-Infinity", bytes as base64;
 * unknown fields are ignored and null means absent. Trace and span ids (hex) appear only
 * in exemplars, which are not read. A known field of the wrong type is malformed. Array and
 * key-value-list attribute values are not descended into (they become null).
 *
 * @throws OtlpDecodeError (malformed_json or limit_exceeded); nothing else.
 */
export function decodeOtlpJson(body: Uint8Array, limits: DecodeLimits): OtlpMetricsRequest {
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    throw malformedJson('body is not valid UTF-8');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw malformedJson(`body is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw malformedJson('the body must be a JSON object');
  }
  const root = parsed as JsonObject;
  const budget = new DecodeBudget(limits);
  const resourceMetrics: OtlpResourceMetrics[] = [];
  arrayAt(field(root, 'resourceMetrics', 'resource_metrics'), 'resourceMetrics').forEach((item, index) => {
    budget.takeResource();
    resourceMetrics.push(readResourceMetrics(item, `resourceMetrics[${index}]`, budget));
  });
  return { resourceMetrics };
}

function field(object: JsonObject, camelName: string, snakeName?: string): unknown {
  if (Object.hasOwn(object, camelName)) return object[camelName];
  if (snakeName !== undefined && Object.hasOwn(object, snakeName)) return object[snakeName];
  return undefined;
}

/** An object, or undefined when absent (missing or null). */
function objectAt(value: unknown, path: string): JsonObject | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw malformedJson(`${path} must be an object`);
  return value as JsonObject;
}

/** An array, or empty when absent. */
function arrayAt(value: unknown, path: string): readonly unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw malformedJson(`${path} must be an array`);
  return value;
}

function stringAt(value: unknown, path: string, budget: DecodeBudget): string {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw malformedJson(`${path} must be a string`);
  // A UTF-16 length of a third of the limit cannot exceed it in UTF-8; only longer strings are measured.
  if (value.length * 3 > budget.limits.maxStringBytes)
    budget.checkStringBytes(Buffer.byteLength(value), path);
  return value;
}

function unsignedAt(value: unknown, path: string): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  if (typeof value === 'string' && unsignedPattern.test(value)) return Number(value);
  throw malformedJson(`${path} must be an unsigned integer (a number or a decimal string)`);
}

function signedAt(value: unknown, path: string): number {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && signedPattern.test(value)) return Number(value);
  throw malformedJson(`${path} must be an integer (a number or a decimal string)`);
}

function doubleAt(value: unknown, path: string): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    if (value === 'NaN') return Number.NaN;
    if (value === 'Infinity') return Number.POSITIVE_INFINITY;
    if (value === '-Infinity') return Number.NEGATIVE_INFINITY;
    const parsed = value.trim() === '' ? Number.NaN : Number(value);
    if (Number.isFinite(parsed)) return parsed;
  }
  throw malformedJson(`${path} must be a number`);
}

function booleanAt(value: unknown, path: string): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') throw malformedJson(`${path} must be true or false`);
  return value;
}

function temporalityAt(value: unknown, path: string): number {
  if (value === undefined || value === null) return OTLP_TEMPORALITY.unspecified;
  if (typeof value === 'string' && Object.hasOwn(temporalityNames, value))
    return temporalityNames[value] ?? 0;
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  throw malformedJson(`${path} must be an AggregationTemporality number or name`);
}

function readResourceMetrics(value: unknown, path: string, budget: DecodeBudget): OtlpResourceMetrics {
  const object = objectAt(value, path) ?? {};
  const resource = objectAt(field(object, 'resource'), `${path}.resource`);
  const resourceAttributes =
    resource === undefined
      ? []
      : readAttributes(field(resource, 'attributes'), `${path}.resource.attributes`, budget);
  const scopeMetrics: OtlpScopeMetrics[] = [];
  arrayAt(field(object, 'scopeMetrics', 'scope_metrics'), `${path}.scopeMetrics`).forEach((item, index) => {
    scopeMetrics.push(readScopeMetrics(item, `${path}.scopeMetrics[${index}]`, budget));
  });
  return { resourceAttributes, scopeMetrics };
}

function readScopeMetrics(value: unknown, path: string, budget: DecodeBudget): OtlpScopeMetrics {
  const object = objectAt(value, path) ?? {};
  const scope = objectAt(field(object, 'scope'), `${path}.scope`);
  const scopeName = scope === undefined ? '' : stringAt(field(scope, 'name'), `${path}.scope.name`, budget);
  const metrics: OtlpMetric[] = [];
  arrayAt(field(object, 'metrics'), `${path}.metrics`).forEach((item, index) => {
    budget.takeMetric();
    metrics.push(readMetric(item, `${path}.metrics[${index}]`, budget));
  });
  return { scopeName, metrics };
}

function readMetric(value: unknown, path: string, budget: DecodeBudget): OtlpMetric {
  const object = objectAt(value, path) ?? {};
  const name = stringAt(field(object, 'name'), `${path}.name`, budget);
  const unit = stringAt(field(object, 'unit'), `${path}.unit`, budget);
  let data: OtlpMetricData = { type: 'none' };

  const gauge = objectAt(field(object, 'gauge'), `${path}.gauge`);
  const sum = objectAt(field(object, 'sum'), `${path}.sum`);
  const histogram = objectAt(field(object, 'histogram'), `${path}.histogram`);
  const exponential = objectAt(
    field(object, 'exponentialHistogram', 'exponential_histogram'),
    `${path}.exponentialHistogram`,
  );
  const summary = objectAt(field(object, 'summary'), `${path}.summary`);
  if (gauge !== undefined) {
    data = { type: 'gauge', points: readNumberPoints(gauge, `${path}.gauge`, budget) };
  } else if (sum !== undefined) {
    data = {
      type: 'sum',
      temporality: temporalityAt(
        field(sum, 'aggregationTemporality', 'aggregation_temporality'),
        `${path}.sum.aggregationTemporality`,
      ),
      monotonic: booleanAt(field(sum, 'isMonotonic', 'is_monotonic'), `${path}.sum.isMonotonic`),
      points: readNumberPoints(sum, `${path}.sum`, budget),
    };
  } else if (histogram !== undefined) {
    const points: OtlpHistogramPoint[] = [];
    dataPointsOf(histogram, `${path}.histogram`).forEach((item, index) => {
      budget.takePoint();
      points.push(readHistogramPoint(item, `${path}.histogram.dataPoints[${index}]`, budget));
    });
    data = {
      type: 'histogram',
      temporality: temporalityAt(
        field(histogram, 'aggregationTemporality', 'aggregation_temporality'),
        `${path}.histogram.aggregationTemporality`,
      ),
      points,
    };
  } else if (exponential !== undefined || summary !== undefined) {
    const kind = exponential !== undefined ? 'exponential_histogram' : 'summary';
    const points = dataPointsOf(exponential ?? summary ?? {}, `${path}.${kind}`);
    for (let index = 0; index < points.length; index++) budget.takePoint();
    data = { type: 'unsupported', kind, pointCount: points.length };
  }
  return { name, unit, data };
}

function dataPointsOf(object: JsonObject, path: string): readonly unknown[] {
  return arrayAt(field(object, 'dataPoints', 'data_points'), `${path}.dataPoints`);
}

function readNumberPoints(object: JsonObject, path: string, budget: DecodeBudget): OtlpNumberPoint[] {
  const points: OtlpNumberPoint[] = [];
  dataPointsOf(object, path).forEach((item, index) => {
    budget.takePoint();
    points.push(readNumberPoint(item, `${path}.dataPoints[${index}]`, budget));
  });
  return points;
}

function readNumberPoint(value: unknown, path: string, budget: DecodeBudget): OtlpNumberPoint {
  const object = objectAt(value, path) ?? {};
  const asDouble = field(object, 'asDouble', 'as_double');
  const asInt = field(object, 'asInt', 'as_int');
  let pointValue: number | null = null;
  // In a oneof both present is malformed JSON for protobuf; OTLP senders never do it, so the int wins quietly.
  if (asDouble !== undefined && asDouble !== null) pointValue = doubleAt(asDouble, `${path}.asDouble`);
  if (asInt !== undefined && asInt !== null) pointValue = signedAt(asInt, `${path}.asInt`);
  return {
    attributes: readAttributes(field(object, 'attributes'), `${path}.attributes`, budget),
    startTimeUnixNano: unsignedAt(
      field(object, 'startTimeUnixNano', 'start_time_unix_nano'),
      `${path}.startTimeUnixNano`,
    ),
    timeUnixNano: unsignedAt(field(object, 'timeUnixNano', 'time_unix_nano'), `${path}.timeUnixNano`),
    value: pointValue,
    flags: unsignedAt(field(object, 'flags'), `${path}.flags`),
  };
}

function readHistogramPoint(value: unknown, path: string, budget: DecodeBudget): OtlpHistogramPoint {
  const object = objectAt(value, path) ?? {};
  const rawCounts = arrayAt(field(object, 'bucketCounts', 'bucket_counts'), `${path}.bucketCounts`);
  budget.checkBuckets(rawCounts.length, 'bucket counts');
  const rawBounds = arrayAt(field(object, 'explicitBounds', 'explicit_bounds'), `${path}.explicitBounds`);
  budget.checkBuckets(rawBounds.length + 1, 'buckets');
  const sum = field(object, 'sum');
  return {
    attributes: readAttributes(field(object, 'attributes'), `${path}.attributes`, budget),
    startTimeUnixNano: unsignedAt(
      field(object, 'startTimeUnixNano', 'start_time_unix_nano'),
      `${path}.startTimeUnixNano`,
    ),
    timeUnixNano: unsignedAt(field(object, 'timeUnixNano', 'time_unix_nano'), `${path}.timeUnixNano`),
    count: unsignedAt(field(object, 'count'), `${path}.count`),
    sum: sum === undefined || sum === null ? null : doubleAt(sum, `${path}.sum`),
    bucketCounts: rawCounts.map((count, index) => unsignedAt(count, `${path}.bucketCounts[${index}]`)),
    explicitBounds: rawBounds.map((bound, index) => doubleAt(bound, `${path}.explicitBounds[${index}]`)),
    flags: unsignedAt(field(object, 'flags'), `${path}.flags`),
  };
}

function readAttributes(value: unknown, path: string, budget: DecodeBudget): OtlpAttribute[] {
  const attributes: OtlpAttribute[] = [];
  arrayAt(value, path).forEach((item, index) => {
    budget.takeAttribute(attributes.length);
    const itemPath = `${path}[${index}]`;
    const object = objectAt(item, itemPath) ?? {};
    attributes.push({
      key: stringAt(field(object, 'key'), `${itemPath}.key`, budget),
      value: readAnyValue(field(object, 'value'), `${itemPath}.value`, budget),
    });
  });
  return attributes;
}

function readAnyValue(value: unknown, path: string, budget: DecodeBudget): OtlpAttributeValue {
  const object = objectAt(value, path);
  if (object === undefined) return null;
  const stringValue = field(object, 'stringValue', 'string_value');
  if (stringValue !== undefined && stringValue !== null)
    return stringAt(stringValue, `${path}.stringValue`, budget);
  const boolValue = field(object, 'boolValue', 'bool_value');
  if (boolValue !== undefined && boolValue !== null) return String(booleanAt(boolValue, `${path}.boolValue`));
  const intValue = field(object, 'intValue', 'int_value');
  if (intValue !== undefined && intValue !== null) {
    // Kept as written when it is a string, so 64-bit values stay exact.
    if (typeof intValue === 'string' && signedPattern.test(intValue)) return BigInt(intValue).toString();
    return String(signedAt(intValue, `${path}.intValue`));
  }
  const doubleValue = field(object, 'doubleValue', 'double_value');
  if (doubleValue !== undefined && doubleValue !== null)
    return String(doubleAt(doubleValue, `${path}.doubleValue`));
  const bytesValue = field(object, 'bytesValue', 'bytes_value');
  if (bytesValue !== undefined && bytesValue !== null)
    return stringAt(bytesValue, `${path}.bytesValue`, budget);
  for (const [camel, snake] of [
    ['arrayValue', 'array_value'],
    ['kvlistValue', 'kvlist_value'],
  ] as const) {
    objectAt(field(object, camel, snake), `${path}.${camel}`);
  }
  return null;
}
