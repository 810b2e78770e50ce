import { type Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { agentDashboard } from './agent-self-monitoring';
import { consumerLagDashboard } from './consumer-lag';
import { engineJobsDashboard } from './engine-jobs';
import { defaultOptions, type StreamopsRuleOptions } from './options';
import { pipelineThroughputDashboard } from './pipeline-throughput';
import { reliabilityDashboard } from './reliability';

/** A dashboard and the file it is written to under dashboards/generated/. */
export interface DashboardFile {
  readonly file: string;
  readonly dashboard: Dashboard;
}

/** Every dashboard, in the order the docs list them. */
export function allDashboards(options: StreamopsRuleOptions = defaultOptions): DashboardFile[] {
  return [
    { file: 'consumer-lag.json', dashboard: consumerLagDashboard(options) },
    { file: 'pipeline-throughput.json', dashboard: pipelineThroughputDashboard(options) },
    { file: 'reliability.json', dashboard: reliabilityDashboard(options) },
    { file: 'engine-jobs.json', dashboard: engineJobsDashboard() },
    { file: 'agent-self-monitoring.json', dashboard: agentDashboard(options) },
  ];
}
