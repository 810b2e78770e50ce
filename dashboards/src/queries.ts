/**
 * Reads the queries back out of built dashboards, for the tests that check them (metric
 * names, scoping, and the real-Prometheus test that runs every one).
 */
import {
  VariableType,
  type Dashboard,
  type Panel,
  type RowPanel,
} from '@grafana/grafana-foundation-sdk/dashboard';

/** One query of one panel. */
export interface PanelTarget {
  readonly dashboard: string;
  readonly panel: string;
  readonly refId: string;
  readonly expr: string;
  readonly instant: boolean;
}

/** The panels of a dashboard, without rows. */
export function panelsOf(dashboard: Dashboard): Panel[] {
  return (dashboard.panels ?? []).filter((panel): panel is Panel => panel.type !== 'row');
}

/** The rows of a dashboard. */
export function rowsOf(dashboard: Dashboard): RowPanel[] {
  return (dashboard.panels ?? []).filter((panel): panel is RowPanel => panel.type === 'row');
}

/** Every panel query of a dashboard. */
export function panelTargets(dashboard: Dashboard): PanelTarget[] {
  return panelsOf(dashboard).flatMap((panel) =>
    (panel.targets ?? []).map((target) => {
      const query = target as { refId?: string; expr?: string; instant?: boolean };
      return {
        dashboard: dashboard.title ?? '',
        panel: panel.title ?? '',
        refId: query.refId ?? '',
        expr: query.expr ?? '',
        instant: query.instant === true,
      };
    }),
  );
}

/** A query variable: its name and its `label_values(selector, label)` query. */
export interface VariableQuery {
  readonly name: string;
  readonly query: string;
  readonly allValue: string | undefined;
}

/** The query variables of a dashboard, in order. */
export function variableQueries(dashboard: Dashboard): VariableQuery[] {
  return (dashboard.templating?.list ?? [])
    .filter((variable) => variable.type === VariableType.Query)
    .map((variable) => ({
      name: variable.name,
      query: typeof variable.query === 'string' ? variable.query : '',
      allValue: variable.allValue,
    }));
}
