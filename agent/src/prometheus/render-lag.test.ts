import { recordKey } from '../collector/collect-cycle';
import { ClusterLagStore } from '../storage/cluster-lag-store';
import { renderLagMetrics } from './render-lag';

function snapshot() {
  const store = new ClusterLagStore({
    cluster: 'local',
    windowSize: 10,
    defaultThresholds: { warnSeconds: 10, errSeconds: 60 },
    groupThresholds: [],
    intervalMs: 1000,
  });
  return store.apply(
    {
      observedAtMs: 20_000,
      groups: [
        {
          description: {
            group: 'billing',
            groupType: 'consumer',
            state: 'Stable',
            kafkaState: 'Stable',
            protocolType: 'consumer',
            members: [
              {
                memberId: 'm-1',
                clientId: 'svc',
                clientHost: '/10.0.0.9',
                assignment: [{ topic: 'in', partitions: [0] }],
              },
            ],
          },
          commits: [
            { topic: 'in', partition: 0, offset: 7 },
            { topic: 'in', partition: 1, offset: null },
          ],
        },
      ],
      shareGroups: [
        {
          description: {
            group: 'audit',
            groupType: 'share',
            state: 'Stable',
            kafkaState: 'Stable',
            protocolType: 'share',
            members: [
              {
                memberId: 's-1',
                clientId: 'auditor',
                clientHost: '/10.0.0.8',
                assignment: [{ topic: 'in', partitions: [0, 1] }],
              },
            ],
          },
          offsets: [
            { topic: 'in', partition: 0, startOffset: 6, lag: 4 },
            { topic: 'in', partition: 1, startOffset: null, lag: null },
          ],
        },
      ],
      watermarks: [
        { topic: 'in', partition: 0, logStartOffset: 0, logEndOffset: 10 },
        { topic: 'in', partition: 1, logStartOffset: 0, logEndOffset: 4 },
      ],
      recordTimestamps: new Map([[recordKey('in', 0, 7), 15_000]]),
      commitLog: null,
    },
    3,
  );
}

describe('renderLagMetrics', () => {
  it('renders group, topic, partition, member and collector series', () => {
    const text = renderLagMetrics([snapshot()], {
      granularity: 'partition',
      kafkaLagExporterCompatibility: false,
    }).render('prometheus');
    const samples = text.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
    expect(samples).toEqual(
      expect.arrayContaining([
        'streamops_collector_up{cluster="local"} 1',
        'streamops_collector_last_success_timestamp_seconds{cluster="local"} 20',
        'streamops_collector_cycle_duration_seconds{cluster="local"} 0.003',
        'streamops_collector_cycles_total{cluster="local",result="success"} 1',
        'streamops_collector_groups{cluster="local"} 2',
        'streamops_consumergroup_lag_messages{cluster="local",group="billing"} 3',
        'streamops_consumergroup_lag_seconds{cluster="local",group="billing"} 5',
        'streamops_consumergroup_status_code{cluster="local",group="billing"} 1',
        'streamops_consumergroup_info{cluster="local",group="billing",state="Stable",protocol_type="consumer",group_type="consumer",kafka_state="Stable"} 1',
        'streamops_consumergroup_member_info{cluster="local",group="billing",member_id="m-1",client_id="svc",host="/10.0.0.9"} 1',
        'streamops_consumergroup_topic_lag_messages{cluster="local",group="billing",topic="in"} 3',
        'streamops_consumergroup_partition_lag_messages{cluster="local",group="billing",topic="in",partition="0"} 3',
        'streamops_consumergroup_partition_lag_seconds{cluster="local",group="billing",topic="in",partition="0"} 5',
        'streamops_consumergroup_partition_committed_offset{cluster="local",group="billing",topic="in",partition="0"} 7',
        'streamops_topic_partition_log_end_offset{cluster="local",topic="in",partition="1"} 4',
      ]),
    );
    // No commit on partition 1: a status but no lag sample, never -1.
    expect(text).not.toContain(
      'partition_lag_messages{cluster="local",group="billing",topic="in",partition="1"}',
    );
    expect(text).toContain(
      'streamops_consumergroup_partition_status_code{cluster="local",group="billing",topic="in",partition="1"} 1',
    );
    // Member labels only on the member series.
    for (const line of samples.filter((sample) => sample.includes('lag')))
      expect(line).not.toContain('member_id');
    expect(text).not.toContain('kafka_consumergroup');
  });

  it('renders share groups with Kafka share lag and no consumer lag, time lag or status series', () => {
    const text = renderLagMetrics([snapshot()], {
      granularity: 'partition',
      kafkaLagExporterCompatibility: true,
    }).render('prometheus');
    const samples = text.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
    const audit = samples.filter((line) => line.includes('group="audit"'));
    expect(audit).toEqual([
      'streamops_consumergroup_info{cluster="local",group="audit",state="Stable",protocol_type="share",group_type="share",kafka_state="Stable"} 1',
      'streamops_consumergroup_members{cluster="local",group="audit"} 1',
      'streamops_consumergroup_member_info{cluster="local",group="audit",member_id="s-1",client_id="auditor",host="/10.0.0.8"} 1',
      'streamops_consumergroup_member_assigned_partitions{cluster="local",group="audit",member_id="s-1"} 2',
      'streamops_sharegroup_lag_messages{cluster="local",group="audit"} 4',
      'streamops_sharegroup_partition_lag_messages{cluster="local",group="audit",topic="in",partition="0"} 4',
      'streamops_sharegroup_partition_start_offset{cluster="local",group="audit",topic="in",partition="0"} 6',
    ]);
    // group_type is on the info series only: lag and status series keep their identity across a protocol change.
    for (const line of samples.filter((sample) => !sample.startsWith('streamops_consumergroup_info{')))
      expect(line).not.toContain('group_type');
  });

  it('leaves out per-partition series at topic granularity and adds compatibility series when asked', () => {
    const text = renderLagMetrics([snapshot()], {
      granularity: 'topic',
      kafkaLagExporterCompatibility: true,
    }).render('prometheus');
    expect(text).not.toMatch(/^streamops_consumergroup_partition_lag_messages\{/m);
    expect(text).not.toMatch(/^streamops_topic_partition_log_end_offset\{/m);
    expect(text).not.toMatch(/^streamops_sharegroup_partition_/m);
    expect(text).toContain('streamops_sharegroup_lag_messages{cluster="local",group="audit"} 4');
    expect(text).toContain(
      'streamops_consumergroup_topic_lag_messages{cluster="local",group="billing",topic="in"} 3',
    );
    expect(text).toContain(
      'kafka_consumergroup_group_lag{cluster_name="local",group="billing",topic="in",partition="0"} 3',
    );
    expect(text).toContain(
      'kafka_consumergroup_group_max_lag_seconds{cluster_name="local",group="billing"} 5',
    );
  });

  it('renders where commits come from and the commit-log backlog, once the health says so', () => {
    const samplesOf = (health: Partial<ReturnType<typeof snapshot>['health']>) => {
      const base = snapshot();
      return renderLagMetrics([{ ...base, health: { ...base.health, ...health } }], {
        granularity: 'partition',
        kafkaLagExporterCompatibility: false,
      })
        .render('prometheus')
        .split('\n')
        .filter((line) => line.startsWith('streamops_collector_commit_'));
    };
    expect(samplesOf({ commitSource: 'offsets_topic', commitLogBacklogRecords: 12 })).toEqual([
      'streamops_collector_commit_source{cluster="local",source="offsets_topic"} 1',
      'streamops_collector_commit_source{cluster="local",source="polling"} 0',
      'streamops_collector_commit_log_backlog_records{cluster="local"} 12',
    ]);
    expect(samplesOf({ commitSource: 'polling', commitLogBacklogRecords: 0 })).toEqual([
      'streamops_collector_commit_source{cluster="local",source="offsets_topic"} 0',
      'streamops_collector_commit_source{cluster="local",source="polling"} 1',
      'streamops_collector_commit_log_backlog_records{cluster="local"} 0',
    ]);
    expect(samplesOf({ commitSource: undefined, commitLogBacklogRecords: undefined })).toEqual([]);
  });

  it('declares every family even before the first cycle', () => {
    const text = renderLagMetrics([], {
      granularity: 'partition',
      kafkaLagExporterCompatibility: false,
    }).render('prometheus');
    expect(text).toContain('# TYPE streamops_consumergroup_lag_seconds gauge');
    expect(text.split('\n').filter((line) => line !== '' && !line.startsWith('#'))).toEqual([]);
  });
});
