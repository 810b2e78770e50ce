/**
 * Shared building blocks of the dashboards: variables, links, units, thresholds, status
 * mappings and panel helpers over @grafana/grafana-foundation-sdk. Every panel helper
 * takes a description and a unit, so a panel cannot be made without them.
 */
import { PanelBuilder as BarGaugePanelBuilder } from '@grafana/grafana-foundation-sdk/bargauge';
import { type Builder } from '@grafana/grafana-foundation-sdk/cog';
import {
  BarGaugeDisplayMode,
  BigValueColorMode,
  BigValueGraphMode,
  BigValueTextMode,
  LegendDisplayMode,
  LegendPlacement,
  ReduceDataOptionsBuilder,
  SortOrder,
  StackingMode,
  TooltipDisplayMode,
  VizLegendOptionsBuilder,
  VizOrientation,
  VizTooltipOptionsBuilder,
  StackingConfigBuilder,
  GraphThresholdsStyleConfigBuilder,
  GraphThresholdsStyleMode,
  VisibilityMode,
  type DataSourceRef,
} from '@grafana/grafana-foundation-sdk/common';
import {
  DashboardBuilder,
  DashboardCursorSync,
  DashboardLinkBuilder,
  DashboardLinkType,
  DatasourceVariableBuilder,
  MappingType,
  QueryVariableBuilder,
  RowBuilder,
  ThresholdsConfigBuilder,
  ThresholdsMode,
  VariableRefresh,
  VariableSort,
  type DataTransformerConfig,
  type Dashboard,
  type DynamicConfigValue,
  type Panel,
  type ThresholdsConfig,
  type ValueMapping,
  type VariableModel,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder, PromQueryFormat } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as StatPanelBuilder } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as StatusHistoryPanelBuilder } from '@grafana/grafana-foundation-sdk/statushistory';
import { PanelBuilder as TablePanelBuilder } from '@grafana/grafana-foundation-sdk/table';
import { PanelBuilder as TimeseriesPanelBuilder } from '@grafana/grafana-foundation-sdk/timeseries';
import { selector, type Matchers } from './promql';
import { groupStatusCodes, partitionStatusCodes, thresholdStatusCodes } from './status-codes';

/** Tag every streamops dashboard carries; the dashboard links list dashboards by it. */
export const dashboardTag = 'streamops';

/** Every panel and variable reads the Prometheus data source chosen in `$datasource`. */
export const datasource = { type: 'prometheus', uid: '${datasource}' } as const;

/** Grafana unit identifiers used by the dashboards; a closed list so that every panel has a real one. */
export const units = {
  seconds: 's',
  count: 'short',
  messages: 'short',
  messagesPerSecond: 'suffix: msg/s',
  perSecond: 'suffix: /s',
  ratio: 'percentunit',
  bytes: 'bytes',
  /** Status codes and flags, shown through value mappings. */
  state: 'none',
  /** Error-budget burn rate: 1 spends the budget exactly over the SLO period. */
  burnRate: 'suffix:×',
  timestamp: 'dateTimeFromNow',
} as const;

export type Unit = (typeof units)[keyof typeof units];

/** Grafana's named colours. */
export type Colour = 'green' | 'yellow' | 'orange' | 'red' | 'purple' | 'blue' | 'text' | 'gray';

/** One threshold step: from `value` up, the colour (the first step starts at -∞ and has value null). */
export interface Step {
  readonly value: number | null;
  readonly color: Colour;
}

/** Thresholds from a base colour and ascending (value, colour) steps. */
export function steps(base: Colour, ...rest: [number, Colour][]): Step[] {
  return [{ value: null, color: base }, ...rest.map(([value, color]) => ({ value, color }))];
}

/** A value mapping from exact codes to names and colours. */
export function codeMapping(codes: Readonly<Record<number, readonly [string, Colour]>>): ValueMapping {
  const options: Record<string, { text: string; color: string; index: number }> = {};
  Object.entries(codes).forEach(([code, [text, color]], index) => {
    options[code] = { text, color, index };
  });
  return { type: MappingType.ValueToText, options };
}

export const groupStatusMapping = codeMapping({
  [groupStatusCodes.NOTFOUND]: ['NOTFOUND', 'gray'],
  [groupStatusCodes.OK]: ['OK', 'green'],
  [groupStatusCodes.WARN]: ['WARN', 'orange'],
  [groupStatusCodes.ERR]: ['ERR', 'red'],
});
export const partitionStatusMapping = codeMapping({
  [partitionStatusCodes.OK]: ['OK', 'green'],
  [partitionStatusCodes.WARN]: ['WARN', 'orange'],
  [partitionStatusCodes.STOP]: ['STOP', 'red'],
  [partitionStatusCodes.STALL]: ['STALL', 'red'],
  [partitionStatusCodes.REWIND]: ['REWIND', 'purple'],
});
export const thresholdStatusMapping = codeMapping({
  [thresholdStatusCodes.UNKNOWN]: ['UNKNOWN', 'gray'],
  [thresholdStatusCodes.OK]: ['OK', 'green'],
  [thresholdStatusCodes.WARN]: ['WARN', 'orange'],
  [thresholdStatusCodes.ERR]: ['ERR', 'red'],
});
export const upMapping = codeMapping({ 0: ['DOWN', 'red'], 1: ['UP', 'green'] });
export const flagMapping = codeMapping({ 0: ['no', 'green'], 1: ['yes', 'orange'] });

/** Time to drain is +Inf while lag does not shrink: show that as words, not as a number. */
export const notDrainingMapping: ValueMapping = {
  type: MappingType.RangeToText,
  options: { from: 365 * 86_400, to: null, result: { text: 'not draining', color: 'red', index: 0 } },
};

// ---------------------------------------------------------------------------------------
// Variables

/** `$datasource`: any Prometheus data source. */
export function datasourceVariable(): DatasourceVariableBuilder {
  return new DatasourceVariableBuilder('datasource')
    .label('Data source')
    .type('prometheus')
    .description('Prometheus that scrapes the streamops agent (and instrumented apps).');
}

/**
 * A multi-value label variable from `label_values(metric{matchers}, label)`, defaulting
 * to All. All is `.*`, which also matches series that lack the label, so queries keep
 * working where the label does not exist (for example `namespace` outside Kubernetes).
 */
export function labelVariable(
  name: string,
  label: string,
  metric: string,
  matchers: Matchers,
  description: string,
): QueryVariableBuilder {
  const query = `label_values(${selector(metric, matchers)}, ${name})`;
  return new QueryVariableBuilder(name)
    .label(label)
    .description(description)
    .datasource(datasource)
    .query(query)
    .definition(query)
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc)
    .multi(true)
    .includeAll(true)
    .allValue('.*')
    .current({ selected: true, text: ['All'], value: ['$__all'] });
}

// ---------------------------------------------------------------------------------------
// Queries and panels

/** One query of a panel. */
export interface Query {
  readonly expr: string;
  /** Legend, e.g. `{{group}}`; also the series name in stat panels. */
  readonly legend?: string;
  /** Instant query (latest value) instead of a range. */
  readonly instant?: boolean;
  /** Table format (one row per series, labels as columns). */
  readonly table?: boolean;
}

/** What every panel states. */
export interface PanelSpec {
  readonly title: string;
  /** The question the panel answers, shown in its (i) tooltip. */
  readonly description: string;
  readonly unit: Unit;
  readonly queries: readonly Query[];
  /** Grid width out of 24. */
  readonly width: number;
  readonly height?: number;
  readonly thresholds?: readonly Step[];
  readonly mappings?: readonly ValueMapping[];
  readonly min?: number;
  readonly max?: number;
  readonly decimals?: number;
  /** Links in the panel header, e.g. to another dashboard (variables and time range kept). */
  readonly links?: readonly { title: string; url: string }[];
  /** Fixed colours by query (A, B, ...), for series whose colour means something (OK, ERR). */
  readonly colours?: readonly Colour[];
}

/** The methods the SDK's panel builders share, so that one function sets them on any of them. */
interface CommonPanelBuilder extends Builder<Panel> {
  title(title: string): this;
  description(description: string): this;
  datasource(datasource: DataSourceRef): this;
  unit(unit: string): this;
  min(min: number): this;
  max(max: number): this;
  decimals(decimals: number): this;
  thresholds(thresholds: Builder<ThresholdsConfig>): this;
  mappings(mappings: ValueMapping[]): this;
  withTarget(target: DataqueryBuilder): this;
  height(h: number): this;
  span(w: number): this;
  links(links: DashboardLinkBuilder[]): this;
  overrideByQuery(queryRefId: string, properties: DynamicConfigValue[]): this;
}

function refId(index: number): string {
  return String.fromCharCode(65 + index);
}

function target(query: Query, index: number): DataqueryBuilder {
  const builder = new DataqueryBuilder()
    .datasource(datasource)
    .refId(refId(index))
    .expr(query.expr)
    .legendFormat(query.legend ?? '__auto');
  if (query.instant) builder.instant();
  else builder.range();
  if (query.table) builder.format(PromQueryFormat.Table);
  return builder;
}

function applyCommon<B extends CommonPanelBuilder>(builder: B, spec: PanelSpec): B {
  builder
    .title(spec.title)
    .description(spec.description)
    .datasource(datasource)
    .unit(spec.unit)
    .span(spec.width)
    .height(spec.height ?? 8)
    .thresholds(
      new ThresholdsConfigBuilder()
        .mode(ThresholdsMode.Absolute)
        .steps([...(spec.thresholds ?? steps('green'))]),
    );
  if (spec.min !== undefined) builder.min(spec.min);
  if (spec.max !== undefined) builder.max(spec.max);
  if (spec.decimals !== undefined) builder.decimals(spec.decimals);
  if (spec.mappings) builder.mappings([...spec.mappings]);
  if (spec.links) {
    builder.links(
      spec.links.map((link) =>
        new DashboardLinkBuilder(link.title)
          .type(DashboardLinkType.Link)
          .url(link.url)
          .includeVars(true)
          .keepTime(true),
      ),
    );
  }
  spec.queries.forEach((query, index) => builder.withTarget(target(query, index)));
  spec.colours?.forEach((colour, index) =>
    builder.overrideByQuery(refId(index), [{ id: 'color', value: { mode: 'fixed', fixedColor: colour } }]),
  );
  return builder;
}

function legend(placement: LegendPlacement = LegendPlacement.Bottom): VizLegendOptionsBuilder {
  return new VizLegendOptionsBuilder()
    .displayMode(LegendDisplayMode.Table)
    .placement(placement)
    .showLegend(true)
    .calcs(['lastNotNull', 'max']);
}

/** A time series panel. `thresholdLines` draws the thresholds as dashed lines. */
export function timeseries(
  spec: PanelSpec & { stacked?: boolean; thresholdLines?: boolean },
): TimeseriesPanelBuilder {
  const builder = applyCommon(new TimeseriesPanelBuilder(), spec)
    .legend(legend())
    .tooltip(new VizTooltipOptionsBuilder().mode(TooltipDisplayMode.Multi).sort(SortOrder.Descending))
    .fillOpacity(spec.stacked ? 30 : 8)
    .lineWidth(1)
    .spanNulls(false);
  if (spec.stacked) builder.stacking(new StackingConfigBuilder().mode(StackingMode.Normal));
  if (spec.thresholdLines) {
    builder.thresholdsStyle(new GraphThresholdsStyleConfigBuilder().mode(GraphThresholdsStyleMode.Dashed));
  }
  return builder;
}

/** Big numbers: the last value of each series, coloured by thresholds (or mappings). */
export function stat(
  spec: PanelSpec & { textMode?: BigValueTextMode; sparkline?: boolean },
): StatPanelBuilder {
  return applyCommon(new StatPanelBuilder(), spec)
    .reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
    .textMode(spec.textMode ?? BigValueTextMode.Auto)
    .colorMode(BigValueColorMode.Background)
    .graphMode(spec.sparkline === false ? BigValueGraphMode.None : BigValueGraphMode.Area)
    .orientation(VizOrientation.Auto);
}

/** Horizontal bars, one per series, for top-N lists. */
export function barGauge(spec: PanelSpec): BarGaugePanelBuilder {
  return applyCommon(new BarGaugePanelBuilder(), spec)
    .reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
    .displayMode(BarGaugeDisplayMode.Gradient)
    .orientation(VizOrientation.Horizontal)
    .showUnfilled(true);
}

/** A table of instant queries, merged on their common labels. */
export function table(
  spec: PanelSpec & { hiddenColumns?: readonly string[]; renames?: Readonly<Record<string, string>> },
): TablePanelBuilder {
  const transformations: DataTransformerConfig[] = [{ id: 'merge', options: {} }];
  transformations.push({
    id: 'organize',
    options: {
      excludeByName: Object.fromEntries(['Time', ...(spec.hiddenColumns ?? [])].map((name) => [name, true])),
      renameByName: { ...(spec.renames ?? {}) },
    },
  });
  return applyCommon(new TablePanelBuilder(), spec).transformations(transformations);
}

/** Discrete states over time (status codes through mappings), one row per series. */
export function statusHistory(spec: PanelSpec): StatusHistoryPanelBuilder {
  return applyCommon(new StatusHistoryPanelBuilder(), spec)
    .showValue(VisibilityMode.Never)
    .legend(
      new VizLegendOptionsBuilder()
        .displayMode(LegendDisplayMode.List)
        .placement(LegendPlacement.Bottom)
        .showLegend(true),
    )
    .fillOpacity(80);
}

// ---------------------------------------------------------------------------------------
// Dashboards

/** A titled row of panels. */
export interface RowSpec {
  readonly title: string;
  readonly panels: readonly Builder<Panel>[];
}

/** Everything a streamops dashboard is made of. */
export interface DashboardSpec {
  readonly uid: string;
  readonly title: string;
  readonly description: string;
  readonly variables: readonly Builder<VariableModel>[];
  readonly rows: readonly RowSpec[];
}

/** Builds a dashboard: variables, links to the other streamops dashboards, rows, and stable panel ids. */
export function buildDashboard(spec: DashboardSpec): Dashboard {
  const builder = new DashboardBuilder(spec.title)
    .uid(spec.uid)
    .description(spec.description)
    .tags([dashboardTag])
    .editable()
    .tooltip(DashboardCursorSync.Crosshair)
    .refresh('30s')
    .time({ from: 'now-1h', to: 'now' })
    .timezone('browser')
    .variables([...spec.variables])
    .link(
      new DashboardLinkBuilder('streamops')
        .type(DashboardLinkType.Dashboards)
        .tags([dashboardTag])
        .asDropdown(true)
        .includeVars(true)
        .keepTime(true)
        .tooltip('The other streamops dashboards, with the same variables and time range'),
    );
  for (const row of spec.rows) {
    builder.withRow(new RowBuilder(row.title));
    for (const panel of row.panels) builder.withPanel(panel);
  }
  const built = builder.build();
  (built.panels ?? []).forEach((panel, index) => {
    panel.id = index + 1;
  });
  return built;
}

/** URL of another streamops dashboard, for panel links (Grafana adds variables and time). */
export function dashboardUrl(uid: string): string {
  return `/d/${uid}`;
}
