// The capacity-planning example: a pipeline whose score stage is deliberately slow runs as
// one instance under a load it can't keep up with. `streamops capacity --target-rate`
// reads the agent's model and plans the instances; the example applies the plan and
// measures again, showing the bottleneck gone (utilisation below 1, lag draining).
import { type PipelineModel, type RunningAgent } from '@streamops/agent';
import { runCapacityCommand } from '../../agent/src/cli/capacity-command';
import { startExampleAgent } from '../support/agent';
import { startExampleCluster } from '../support/kafka';
import { Lifecycle } from '../support/lifecycle';
import { startLoad } from '../support/load';
import { numberOption, parseExampleArgs } from '../support/options';
import { compareModels, formatComparison, plannedInstances } from './comparison';
import { startScoringInstance } from './scoring-pipeline';

const usage = `usage: ./scripts/example.sh capacity-planning [--rate msgs/s] [--score-ms ms] [--window s] [--port 9308]

Runs one instance of a pipeline whose score stage takes --score-ms per message (default 10)
under --rate messages per second (default 150), asks the agent for a capacity plan for
that rate, starts the planned instances, and compares the model before and after.`;

const name = 'scoring';
const inputTopic = 'scoring.requests';
const outputTopic = 'scoring.results';

/** Waits for a model over a full window that lies after `sinceMs`, with a bottleneck utilisation. */
async function modelSince(
  agent: RunningAgent,
  sinceMs: number,
  windowSeconds: number,
  timeoutMs: number,
): Promise<PipelineModel> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const model = agent.pipelines().find((candidate) => candidate.pipeline === name);
    const bottleneck = model?.stages.find((stage) => stage.stage === model.bottleneck);
    if (
      model !== undefined &&
      model.windowSeconds >= windowSeconds * 0.9 &&
      model.timeMs - model.windowSeconds * 1000 >= sinceMs &&
      model.arrivalRate !== null &&
      bottleneck?.utilization !== null &&
      bottleneck?.utilization !== undefined
    ) {
      return model;
    }
    if (Date.now() > deadline) throw new Error(`the agent had no full model window after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function waitForMembers(agent: RunningAgent, members: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (agent.snapshots()[0]?.groups.find((group) => group.group === name)?.members.length !== members) {
    if (Date.now() > deadline)
      throw new Error(`the group did not reach ${members} members in ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

new Lifecycle().run(async (lifecycle) => {
  const flags = parseExampleArgs(
    process.argv.slice(2),
    {
      rate: { type: 'string', default: '150' },
      'score-ms': { type: 'string', default: '10' },
      window: { type: 'string', default: '8' },
      port: { type: 'string', default: '9308' },
    },
    usage,
  );
  const rate = numberOption('rate', flags.rate, 1);
  const scoreMs = numberOption('score-ms', flags['score-ms'], 1);
  const windowSeconds = numberOption('window', flags.window, 2);
  const cluster = await startExampleCluster(lifecycle, [
    { name: inputTopic, partitions: 8 },
    { name: outputTopic, partitions: 2 },
  ]);
  const agent = await startExampleAgent(lifecycle, cluster, {
    clusterName: 'local',
    port: numberOption('port', flags.port, 0),
    collectionIntervalSeconds: 1,
    pipelineWindowSeconds: windowSeconds,
  });
  console.log(`capacity-planning
  Kafka:     ${cluster.describe()}
  pipeline:  ${inputTopic} → parse → score (${scoreMs} ms per message) → ${outputTopic}
  load:      ${rate} messages/s
  agent:     ${agent.url}/api/v1/pipelines/${name}?targetRate=${rate}
`);
  const startInstance = async (index: number) => {
    const instance = await startScoringInstance({
      kafka: cluster.kafka(`scoring-${index}`),
      name,
      inputTopic,
      outputTopic,
      instanceId: `${name}-${index}`,
      agentUrl: agent.url,
      scoreMs,
    });
    lifecycle.onStop(`instance ${index}`, () => instance.stop());
  };
  await startInstance(0);
  const producer = cluster.kafka('scoring-load').producer();
  await producer.connect();
  lifecycle.onStop('the load producer', () => producer.disconnect());
  const loadStarted = Date.now();
  const load = startLoad({
    producer,
    topic: inputTopic,
    rateAt: () => rate,
    message: (sequence) => ({ key: String(sequence % 64), value: String(sequence) }),
    onError: (error) => console.error(`send failed: ${error.message}`),
  });
  lifecycle.onStop('the load', () => load.stop());

  const before = await modelSince(agent, loadStarted, windowSeconds, (windowSeconds + 30) * 1000);
  console.log(
    `1 instance, measured over ${before.windowSeconds.toFixed(0)} s. The plan, as the CLI prints it:\n`,
  );
  console.log(`$ streamops capacity --agent ${agent.url} --pipeline ${name} --target-rate ${rate}`);
  const exitCode = await runCapacityCommand(
    ['--agent', agent.url, '--pipeline', name, '--target-rate', String(rate)],
    (text) => console.log(text),
  );
  if (exitCode !== 0) throw new Error(`streamops capacity exited with ${exitCode}`);
  const response = await fetch(`${agent.url}/api/v1/pipelines/${name}?targetRate=${rate}`);
  const planned = plannedInstances((await response.json()) as PipelineModel);

  console.log(`\napplying the plan: ${planned} instances`);
  for (let index = 1; index < planned; index++) await startInstance(index);
  await waitForMembers(agent, planned, 60_000);
  const scaledAt = Date.now();
  const after = await modelSince(agent, scaledAt, windowSeconds, (windowSeconds + 30) * 1000);

  const comparison = compareModels(before, after);
  console.log(`\n${formatComparison(comparison)}\n`);
  if (!comparison.bottleneckRemoved) {
    throw new Error('the plan did not remove the bottleneck: see the comparison above');
  }
  console.log('the plan removed the bottleneck');
  await lifecycle.exit(0);
});
