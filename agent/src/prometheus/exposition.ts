import { type MetricDefinition } from '@streamops/sdk';

/** Exposition formats the agent can render. */
export type ExpositionFormat = 'prometheus' | 'openmetrics';

/** Content types sent with each format. */
export const expositionContentType: Record<ExpositionFormat, string> = {
  prometheus: 'text/plain; version=0.0.4; charset=utf-8',
  openmetrics: 'application/openmetrics-text; version=1.0.0; charset=utf-8',
};

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

interface Family {
  readonly definition: MetricDefinition;
  readonly lines: string[];
}

/**
 * Collects samples for catalogue metrics and renders them as Prometheus text or
 * OpenMetrics. Label values are given in the order of the definition's labels, so a
 * sample cannot carry a label the catalogue does not define.
 */
export class ExpositionBuilder {
  private readonly families = new Map<string, Family>();

  /** Adds one sample; throws when the label values do not match the definition. */
  add(definition: MetricDefinition, labelValues: readonly string[], value: number): this {
    if (labelValues.length !== definition.labels.length) {
      throw new RangeError(
        `${definition.name} takes labels [${definition.labels.join(', ')}], got ${labelValues.length} values`,
      );
    }
    let family = this.families.get(definition.name);
    if (!family) {
      family = { definition, lines: [] };
      this.families.set(definition.name, family);
    }
    const labelText = definition.labels
      .map((label, index) => `${label}="${escapeLabelValue(labelValues[index] ?? '')}"`)
      .join(',');
    family.lines.push(`${definition.name}${labelText === '' ? '' : `{${labelText}}`} ${formatValue(value)}`);
    return this;
  }

  /** Declares a family with no samples yet, so its HELP and TYPE lines are still rendered. */
  declare(definition: MetricDefinition): this {
    if (!this.families.has(definition.name)) this.families.set(definition.name, { definition, lines: [] });
    return this;
  }

  /**
   * Adds every family of `other` (declared ones included) after this one's: samples of a
   * family both have follow this one's, so each family is still rendered once.
   */
  merge(other: ExpositionBuilder): this {
    for (const [name, { definition, lines }] of other.families) {
      const family = this.families.get(name);
      if (family === undefined) this.families.set(name, { definition, lines: [...lines] });
      else for (const line of lines) family.lines.push(line);
    }
    return this;
  }

  /** Number of samples added so far. */
  get sampleCount(): number {
    let count = 0;
    for (const family of this.families.values()) count += family.lines.length;
    return count;
  }

  /** Renders every family. OpenMetrics output ends with `# EOF` as the format requires. */
  render(format: ExpositionFormat): string {
    const out: string[] = [];
    for (const { definition, lines } of this.families.values()) {
      // OpenMetrics names a counter family without its _total suffix.
      const familyName =
        format === 'openmetrics' && definition.type === 'counter'
          ? definition.name.replace(/_total$/, '')
          : definition.name;
      out.push(`# HELP ${familyName} ${escapeHelp(definition.help)}`);
      out.push(`# TYPE ${familyName} ${definition.type}`);
      for (const line of lines) out.push(line);
    }
    if (format === 'openmetrics') out.push('# EOF');
    return out.length === 0 ? '' : `${out.join('\n')}\n`;
  }
}
