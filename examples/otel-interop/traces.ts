// Groups received spans into traces, prints each as a tree and says what is wrong with it.
import { type ReceivedSpan } from './trace-receiver';

export const otelKafkaScope = '@opentelemetry/instrumentation-kafkajs';
export const streamopsScope = '@streamops/sdk';

function byStartTime(a: ReceivedSpan, b: ReceivedSpan): number {
  return a.startTimeUnixNano < b.startTimeUnixNano ? -1 : a.startTimeUnixNano > b.startTimeUnixNano ? 1 : 0;
}

/** Spans by trace id; traces in the order they started. */
export function groupByTrace(spans: readonly ReceivedSpan[]): Map<string, ReceivedSpan[]> {
  const traces = new Map<string, ReceivedSpan[]>();
  for (const span of [...spans].sort(byStartTime)) {
    const trace = traces.get(span.traceId) ?? [];
    trace.push(span);
    traces.set(span.traceId, trace);
  }
  return traces;
}

/** The children of every span id of one trace, oldest first. */
function childrenBySpanId(spans: readonly ReceivedSpan[]): Map<string | undefined, ReceivedSpan[]> {
  const children = new Map<string | undefined, ReceivedSpan[]>();
  for (const span of [...spans].sort(byStartTime)) {
    const siblings = children.get(span.parentSpanId) ?? [];
    siblings.push(span);
    children.set(span.parentSpanId, siblings);
  }
  return children;
}

/**
 * One trace as an indented tree, one span a line: name, service, instrumentation scope and
 * kind. Spans whose parent was not received are printed as extra roots, marked.
 */
export function renderTrace(spans: readonly ReceivedSpan[]): string {
  const children = childrenBySpanId(spans);
  const ids = new Set(spans.map((span) => span.spanId));
  const rows: { label: string; span: ReceivedSpan }[] = [];
  // `prefix` is what the ancestors draw in front of this span's branch.
  const visit = (span: ReceivedSpan, prefix: string, isRoot: boolean, isLast: boolean) => {
    rows.push({ label: isRoot ? span.name : `${prefix}${isLast ? '└─ ' : '├─ '}${span.name}`, span });
    const childPrefix = isRoot ? '' : `${prefix}${isLast ? '   ' : '│  '}`;
    const spanChildren = children.get(span.spanId) ?? [];
    spanChildren.forEach((child, index) =>
      visit(child, childPrefix, false, index === spanChildren.length - 1),
    );
  };
  const roots = [...spans]
    .filter((span) => span.parentSpanId === undefined || !ids.has(span.parentSpanId))
    .sort(byStartTime);
  for (const root of roots) visit(root, '', true, true);
  const labelWidth = Math.max(...rows.map((row) => row.label.length));
  const serviceWidth = Math.max(...rows.map((row) => row.span.service.length));
  const scopeWidth = Math.max(...rows.map((row) => row.span.scope.length));
  return rows
    .map(({ label, span }) => {
      const orphan =
        span.parentSpanId !== undefined && !ids.has(span.parentSpanId) ? '  (parent not received)' : '';
      return `  ${label.padEnd(labelWidth)}  ${span.service.padEnd(serviceWidth)}  ${span.scope.padEnd(scopeWidth)}  ${span.kind}${orphan}`;
    })
    .join('\n');
}

/**
 * What keeps `spans` from being one trace that goes from the OTel-instrumented side through
 * the streamops side and back: several roots or missing parents, a service or scope
 * missing, or no OTel span below a streamops span. Empty when it is all there.
 */
export function traceProblems(
  spans: readonly ReceivedSpan[],
  services: readonly string[],
  scopes: readonly string[],
): string[] {
  const problems: string[] = [];
  const byId = new Map(spans.map((span) => [span.spanId, span]));
  const roots = spans.filter((span) => span.parentSpanId === undefined);
  if (roots.length !== 1) problems.push(`${roots.length} root spans instead of 1`);
  for (const span of spans) {
    if (span.parentSpanId !== undefined && !byId.has(span.parentSpanId)) {
      problems.push(
        `"${span.name}" (${span.service}) has parent ${span.parentSpanId}, which is not in the trace`,
      );
    }
  }
  for (const service of services) {
    if (!spans.some((span) => span.service === service)) problems.push(`no span from service ${service}`);
  }
  for (const scope of scopes) {
    if (!spans.some((span) => span.scope === scope)) problems.push(`no span from ${scope}`);
  }
  const hasAncestorIn = (span: ReceivedSpan, scope: string): boolean => {
    const seen = new Set<string>();
    for (
      let parent = byId.get(span.parentSpanId ?? '');
      parent;
      parent = byId.get(parent.parentSpanId ?? '')
    ) {
      if (parent.scope === scope) return true;
      if (seen.has(parent.spanId)) return false;
      seen.add(parent.spanId);
    }
    return false;
  };
  if (!spans.some((span) => span.scope === otelKafkaScope && hasAncestorIn(span, streamopsScope))) {
    problems.push(
      `no ${otelKafkaScope} span continues a ${streamopsScope} span (the trace does not come back)`,
    );
  }
  return problems;
}
