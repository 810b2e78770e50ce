import { addHistograms, emptyHistogram, type HistogramData } from './histogram';
import { type AggregateSeries, type PipelineSnapshot, type SeriesKind } from './instance-store';
import { type PipelineCounters, type StageCounters } from './model';
import { signalOf, stageOutcomeNames, type PipelineSignal } from './signals';

/** A pipeline's topology as configured; every part is optional and overrides what is learnt. */
export interface PipelineTopologyDeclaration {
  readonly inputTopics?: readonly string[];
  readonly outputTopics?: readonly string[];
  readonly deadLetterTopics?: readonly string[];
  /** Stages in processing order. */
  readonly stages?: readonly string[];
}

/** A pipeline's topology: input topics → stages → output topics. */
export interface PipelineTopology {
  readonly pipeline: string;
  readonly inputTopics: readonly string[];
  readonly outputTopics: readonly string[];
  readonly deadLetterTopics: readonly string[];
  /** Stages in processing order (declared), else input consumers first, then by name. */
  readonly stages: readonly string[];
  /** True when the stage order was declared (then the last stage's successes count as processed). */
  readonly stageOrderDeclared: boolean;
  /** Consumer groups reading the input topics: whose lag is the pipeline's lag. */
  readonly consumerGroups: readonly string[];
}

/** Names that look like dead-letter topics: `dlq`, `dlt`, `dead-letter(s)` as a name part. */
export const deadLetterTopicPattern = /(^|[._-])(dlq|dlt|dead[._-]?letters?)($|[._-])/i;

const TOPIC = 'topic';
const GROUP = 'group';
const OUTCOME = 'outcome';

/**
 * The series of a signal, of the signal's kind only: record age is a histogram, every other
 * signal a counter. A gauge (or an up-down counter) sent under a counter's name is never
 * added into a counter; ingest refuses it (type_conflict), and this holds whatever the store.
 */
function seriesOf(snapshot: PipelineSnapshot, signal: PipelineSignal): AggregateSeries[] {
  const kind: SeriesKind = signal === 'recordAge' ? 'histogram' : 'counter';
  return snapshot.series.filter((series) => series.kind === kind && signalOf(series.metric) === signal);
}

function sorted(values: Iterable<string>): string[] {
  return [...new Set(values)].sort();
}

/**
 * Learns the topology from the series a pipeline reports, with `declared` parts taking
 * precedence. Topics the pipeline consumes but does not itself produce are its inputs;
 * topics it produces but does not consume are its outputs, except dead-letter topics
 * (declared, or named like one; see {@link deadLetterTopicPattern}).
 */
export function learnTopology(
  snapshot: PipelineSnapshot,
  declared: PipelineTopologyDeclaration = {},
): PipelineTopology {
  const consumerSeries = seriesOf(snapshot, 'consumerMessages');
  const consumed = new Set(consumerSeries.map((series) => series.attributes[TOPIC]).filter(isString));
  const produced = new Set(
    seriesOf(snapshot, 'producerMessages')
      .map((series) => series.attributes[TOPIC])
      .filter(isString),
  );
  const deadLetterTopics =
    declared.deadLetterTopics ?? sorted([...produced].filter((topic) => deadLetterTopicPattern.test(topic)));
  const deadLetters = new Set(deadLetterTopics);
  const inputTopics = declared.inputTopics ?? sorted([...consumed].filter((topic) => !produced.has(topic)));
  const outputTopics =
    declared.outputTopics ??
    sorted([...produced].filter((topic) => !consumed.has(topic) && !deadLetters.has(topic)));
  const inputs = new Set(inputTopics);

  const consumerGroups = sorted(
    consumerSeries
      .filter((series) => inputs.has(series.attributes[TOPIC] ?? ''))
      .map((series) => series.attributes[GROUP])
      .filter(isString),
  );

  // Stages of live instances, plus stages only departed instances reported (their series stay).
  const known = sorted([
    ...snapshot.stages.map((stage) => stage.stage),
    ...snapshot.series.map((series) => series.stage).filter(isString),
  ]);
  let stages: string[];
  if (declared.stages !== undefined) {
    // Declared order first; stages that report but were not declared follow, by name.
    const declaredSet = new Set(declared.stages);
    stages = [...declared.stages, ...known.filter((stage) => !declaredSet.has(stage)).sort()];
  } else {
    const inputConsumers = new Set(
      consumerSeries
        .filter((series) => inputs.has(series.attributes[TOPIC] ?? ''))
        .map((series) => series.stage)
        .filter(isString),
    );
    stages = [
      ...known.filter((stage) => inputConsumers.has(stage)).sort(),
      ...known.filter((stage) => !inputConsumers.has(stage)).sort(),
    ];
  }

  return {
    pipeline: snapshot.pipeline,
    inputTopics,
    outputTopics,
    deadLetterTopics,
    stages,
    stageOrderDeclared: declared.stages !== undefined,
    consumerGroups,
  };
}

function isString(value: string | null | undefined): value is string {
  return typeof value === 'string';
}

function total(
  series: readonly AggregateSeries[],
  keep: (series: AggregateSeries) => boolean = () => true,
): number {
  let sum = 0;
  for (const entry of series) if (keep(entry)) sum += entry.value;
  return sum;
}

/** Inputs from outside the reports. */
export interface ExternalCounters {
  /** Sum of the log end offsets of each topic (from the lag collector). */
  readonly topicEndOffsets?: ReadonlyMap<string, number>;
}

/**
 * The model's counters for one pipeline from its aggregated series.
 *
 * - consumed: consumer messages on the input topics;
 * - filtered, errored, dead-lettered: stage outcomes over all stages (without any stage
 *   outcome series, errored is the consumers' handler errors);
 * - processed: the successes (success and retried) of the last stage when the stage
 *   order is declared, else consumed minus filtered, errored and dead-lettered (every
 *   consumed message leaves processing one of these ways);
 * - delivered: producer messages on the output topics;
 * - stage messages: its outcomes, else its consumed messages, else its produced messages;
 * - latency: the record-age histograms of the pipeline merged.
 */
export function pipelineCounters(
  snapshot: PipelineSnapshot,
  topology: PipelineTopology,
  timeMs: number,
  external: ExternalCounters = {},
  maxHistogramBuckets = 256,
): PipelineCounters {
  const inputs = new Set(topology.inputTopics);
  const outputs = new Set(topology.outputTopics);
  const outcomes = seriesOf(snapshot, 'stageMessages');
  const consumer = seriesOf(snapshot, 'consumerMessages');
  const producer = seriesOf(snapshot, 'producerMessages');
  const busy = seriesOf(snapshot, 'stageBusySeconds');
  const outcomeIs =
    (...names: string[]) =>
    (series: AggregateSeries): boolean =>
      names.includes(series.attributes[OUTCOME] ?? '');

  const consumed = total(consumer, (series) => inputs.has(series.attributes[TOPIC] ?? ''));
  const filtered = total(outcomes, outcomeIs(stageOutcomeNames.filtered));
  const deadLettered = total(outcomes, outcomeIs(stageOutcomeNames.deadLettered));
  const errored =
    outcomes.length > 0
      ? total(outcomes, outcomeIs(stageOutcomeNames.error))
      : total(seriesOf(snapshot, 'consumerHandlerErrors'));

  // The last processing stage in order: stages reported but not declared (the plain
  // consumer and producer clients) follow the declared ones and have no outcome series.
  const stagesWithOutcomes = new Set(outcomes.map((series) => series.stage));
  const lastStage = [...topology.stages].reverse().find((stage) => stagesWithOutcomes.has(stage));
  const lastStageOutcomes = outcomes.filter((series) => series.stage === lastStage);
  const processed =
    topology.stageOrderDeclared && lastStageOutcomes.length > 0
      ? total(lastStageOutcomes, outcomeIs(stageOutcomeNames.success, stageOutcomeNames.retried))
      : Math.max(0, consumed - filtered - errored - deadLettered);

  let latency: HistogramData | null = null;
  for (const series of seriesOf(snapshot, 'recordAge')) {
    if (series.histogram !== null) {
      latency = addHistograms(latency ?? emptyHistogram, series.histogram, maxHistogramBuckets);
    }
  }

  let inputEndOffsets: number | null = null;
  if (external.topicEndOffsets !== undefined && topology.inputTopics.length > 0) {
    inputEndOffsets = 0;
    for (const topic of topology.inputTopics) {
      const offsets = external.topicEndOffsets.get(topic);
      if (offsets === undefined) {
        inputEndOffsets = null;
        break;
      }
      inputEndOffsets += offsets;
    }
  }

  const instancesByStage = new Map(snapshot.stages.map((stage) => [stage.stage, stage]));
  const stages = topology.stages.map((name): StageCounters => {
    const ofStage = (series: AggregateSeries): boolean => series.stage === name;
    const stageOutcomes = outcomes.filter(ofStage);
    const stageConsumer = consumer.filter(ofStage);
    const messages =
      stageOutcomes.length > 0
        ? total(stageOutcomes)
        : stageConsumer.length > 0
          ? total(stageConsumer)
          : total(producer.filter(ofStage));
    const stageBusy = busy.filter(ofStage);
    const info = instancesByStage.get(name);
    return {
      stage: name,
      messages,
      busySeconds: stageBusy.length > 0 ? total(stageBusy) : null,
      instances: info?.instances ?? 0,
      processGroup: info?.processGroup ?? name,
    };
  });

  return {
    timeMs,
    inputEndOffsets,
    consumed,
    processed,
    filtered,
    errored,
    deadLettered,
    delivered: total(producer, (series) => outputs.has(series.attributes[TOPIC] ?? '')),
    redelivered: total(seriesOf(snapshot, 'redelivered')),
    lost: total(seriesOf(snapshot, 'lost')),
    duplicated: total(seriesOf(snapshot, 'duplicated')),
    latency,
    stages,
  };
}
