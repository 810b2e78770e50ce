import { readFileSync } from 'node:fs';
import {
  instrument,
  instrumentConsumer,
  instrumentProducer,
  pipeline,
  stage,
  startReporter,
  type KafkaClientFactory,
} from '@streamops/sdk';
import { parseAgentConfig, loadAgentConfig } from '@streamops/agent';
import { parse as parseYaml } from 'yaml';
import type { Consumer, Producer } from 'kafkajs';
import { agentFlagKeyPaths, exampleAgentConfig } from '../agent/src/config/descriptions';
import { agentFlags } from '../agent/src/config/load';
import {
  agentConfigDocPath,
  agentConfigDocProblems,
  agentConfigKeys,
  renderConfigDocs,
  sdkConfigDocPath,
  sdkConfigModel,
} from '../scripts/config-doc';

const unknownKey = 'notAnOption';

/** The keys an SDK options object accepts, from the message that refuses an unknown one. */
function acceptedKeys(call: () => unknown): string[] {
  try {
    call();
  } catch (error) {
    const known = /known ones are (.+)$/.exec((error as Error).message)?.[1];
    if (known !== undefined) return known.split(', ').sort();
    throw error;
  }
  throw new Error('an unknown option was accepted');
}

const fakeKafka: KafkaClientFactory = {
  producer: () => ({}) as Producer,
  consumer: () => ({}) as Consumer,
};
const fakeConsumer = {
  run: () => Promise.resolve(),
  subscribe: () => Promise.resolve(),
} as unknown as Consumer;
const fakeProducer = { sendBatch: () => Promise.resolve([]) } as unknown as Producer;
const unknown = { [unknownKey]: 1 };
const validPipeline = {
  name: 'p',
  source: { consumer: fakeConsumer, topics: ['in'] },
  stages: [],
  sink: { producer: fakeProducer, topic: 'out' },
};

/** For each documented options object, how to make the SDK list the keys it accepts. */
const sdkProbes: Record<string, () => string[]> = {
  instrument: () => acceptedKeys(() => instrument(fakeKafka, unknown as never)),
  'instrument.stages': () => acceptedKeys(() => instrument(fakeKafka, { stages: unknown as never })),
  'InstrumentationOptions.labels': () =>
    acceptedKeys(() => instrument(fakeKafka, { labels: unknown as never })),
  'InstrumentationOptions.reliability': () =>
    acceptedKeys(() => instrument(fakeKafka, { reliability: unknown as never })),
  instrumentProducer: () => acceptedKeys(() => instrumentProducer(fakeProducer, unknown as never)),
  instrumentConsumer: () => acceptedKeys(() => instrumentConsumer(fakeConsumer, unknown as never)),
  stage: () => acceptedKeys(() => stage('s', (value) => value, unknown as never)),
  'stage.backoff': () => acceptedKeys(() => stage('s', (value) => value, { backoff: unknown as never })),
  pipeline: () => acceptedKeys(() => pipeline(unknown as never)),
  'pipeline.source': () => acceptedKeys(() => pipeline({ ...validPipeline, source: unknown as never })),
  'pipeline.sink': () => acceptedKeys(() => pipeline({ ...validPipeline, sink: unknown as never })),
  startReporter: () => acceptedKeys(() => startReporter(unknown as never)),
};

/** A value for each flag and where the loaded configuration must show it. */
const flagSamples: Record<keyof typeof agentFlagKeyPaths, { text: string; expected: unknown }> = {
  brokers: { text: 'kafka-0:9092,kafka-1:9092', expected: ['kafka-0:9092', 'kafka-1:9092'] },
  'cluster-name': { text: 'prod', expected: 'prod' },
  port: { text: '9400', expected: 9400 },
  host: { text: '127.0.0.1', expected: '127.0.0.1' },
  interval: { text: '30', expected: 30 },
  granularity: { text: 'topic', expected: 'topic' },
  'flink-url': { text: 'http://flink-jobmanager:8081', expected: 'http://flink-jobmanager:8081' },
  'storm-url': { text: 'http://storm-ui:8080', expected: 'http://storm-ui:8080' },
};

function valueAt(config: unknown, path: string): unknown {
  let value = config;
  for (const part of path.replace(/\[\]/g, '.0').split('.')) {
    value = (value as Record<string, unknown> | undefined)?.[part];
  }
  return value;
}

describe('configuration reference', () => {
  it('describes every agent configuration key, and only those', () => {
    expect(agentConfigKeys().length).toBeGreaterThan(40);
    expect(agentConfigDocProblems()).toEqual([]);
  });

  it('names the key in the problem when a key or a description is missing', () => {
    const keys = agentConfigKeys();
    expect(agentConfigDocProblems(keys, { 'server.nope': 'x' })).toEqual(
      expect.arrayContaining([
        expect.stringContaining('server.port has no description'),
        expect.stringContaining('describes server.nope, which is not a key'),
      ]),
    );
  });

  it('says which key each agent flag and its environment variables set', () => {
    const flags = Object.keys(agentFlags).filter((flag) => flag !== 'config' && flag !== 'help');
    expect(Object.keys(agentFlagKeyPaths).sort()).toEqual(flags.sort());
    for (const [flag, path] of Object.entries(agentFlagKeyPaths)) {
      const sample = flagSamples[flag as keyof typeof agentFlagKeyPaths];
      const argv = flag === 'brokers' ? [] : ['--brokers', 'kafka:9092'];
      const config = loadAgentConfig({ argv: [...argv, `--${flag}`, sample.text] });
      expect([flag, valueAt(config, path)]).toEqual([flag, sample.expected]);
    }
    expect(loadAgentConfig({ argv: ['--brokers', 'kafka:9092'] }).clusters[0]?.name).toBe('default');
    expect(
      loadAgentConfig({ env: { KAFKA_BROKERS: 'a:1', STREAMOPS_BROKERS: 'b:2' } }).clusters[0]?.brokers,
    ).toEqual(['b:2']);
  });

  it('shows an example configuration the agent accepts, using every section', () => {
    const config = parseAgentConfig(parseYaml(exampleAgentConfig), 'example');
    const sections = agentConfigKeys().filter((key) => !/[.[]/.test(key.path));
    for (const section of sections) {
      expect([
        section.path,
        (parseYaml(exampleAgentConfig) as Record<string, unknown>)[section.path],
      ]).not.toEqual([section.path, undefined]);
    }
    expect(config.clusters[0]?.sasl?.mechanism).toBe('scram-sha-512');
  });

  it('documents every SDK option with a doc comment, and every environment variable the SDK reads', () => {
    const model = sdkConfigModel();
    expect(model.problems).toEqual([]);
    expect(model.environment.map((variable) => variable.name)).toEqual(
      expect.arrayContaining(['STREAMOPS_METRICS_PORT', 'STREAMOPS_PIPELINE', 'OTEL_SERVICE_NAME']),
    );
  });

  it('documents exactly the options the SDK functions accept', () => {
    const documented = Object.fromEntries(
      sdkConfigModel().objects.map((object) => [object.id, [...object.keys].sort()]),
    );
    expect(Object.keys(documented).sort()).toEqual(Object.keys(sdkProbes).sort());
    for (const [id, probe] of Object.entries(sdkProbes)) {
      expect([id, documented[id]]).toEqual([id, probe()]);
    }
  });

  it('is documented by up-to-date docs/configuration-agent.md and docs/configuration-sdk.md (run npm run docs:config)', async () => {
    const documents = await renderConfigDocs();
    expect([...documents.keys()].sort()).toEqual([agentConfigDocPath, sdkConfigDocPath].sort());
    for (const [path, text] of documents) {
      expect([path, readFileSync(path, 'utf8')]).toEqual([path, text]);
    }
  });
});
