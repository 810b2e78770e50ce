/** The registry of benches: what `npm run bench` runs, and what the smoke test checks. */
import { renderBurrow, runBurrowBench, type BurrowResult } from './burrow';
import {
  renderCommitLagAccuracy,
  runCommitLagAccuracyBench,
  type CommitLagAccuracyResult,
} from './commit-lag-accuracy';
import { renderE2e, runE2eBench, type E2eResult } from './e2e';
import { renderHostileIngest, runHostileIngestBench, type HostileIngestResult } from './hostile-ingest';
import { renderIngest, runIngestBench, type IngestResult } from './ingest';
import { renderOverhead, runOverheadBench, type OverheadResult } from './overhead';
import { type Section } from './report';
import { type BenchOptions } from './runtime';
import { renderScale, runScaleBench, type ScaleResult } from './scale';

/** Names accepted by `--only`, in the order a full run executes them. */
export const benchNames = ['overhead', 'e2e', 'scale', 'ingest', 'hostile', 'commit-lag', 'burrow'] as const;
export type BenchName = (typeof benchNames)[number];

/** The structured result of each bench. */
export interface BenchResults {
  overhead: OverheadResult;
  e2e: E2eResult;
  scale: ScaleResult;
  ingest: IngestResult;
  hostile: HostileIngestResult;
  'commit-lag': CommitLagAccuracyResult;
  burrow: BurrowResult;
}

/** A bench's result and its part of the report. */
export interface BenchOutcome<N extends BenchName = BenchName> {
  readonly result: BenchResults[N];
  readonly section: Section;
}

/** Runs one bench and renders its section. */
export async function runBench<N extends BenchName>(
  name: N,
  options: BenchOptions,
): Promise<BenchOutcome<N>> {
  switch (name) {
    case 'overhead': {
      const result = await runOverheadBench(options);
      return { result, section: renderOverhead(result) } as BenchOutcome<N>;
    }
    case 'e2e': {
      const result = await runE2eBench(options);
      return { result, section: renderE2e(result) } as BenchOutcome<N>;
    }
    case 'scale': {
      const result = await runScaleBench(options);
      return { result, section: renderScale(result) } as BenchOutcome<N>;
    }
    case 'ingest': {
      const result = await runIngestBench(options);
      return { result, section: renderIngest(result) } as BenchOutcome<N>;
    }
    case 'hostile': {
      const result = await runHostileIngestBench(options);
      return { result, section: renderHostileIngest(result) } as BenchOutcome<N>;
    }
    case 'commit-lag': {
      const result = await runCommitLagAccuracyBench(options);
      return { result, section: renderCommitLagAccuracy(result) } as BenchOutcome<N>;
    }
    case 'burrow': {
      const result = await runBurrowBench(options);
      return { result, section: renderBurrow(result) } as BenchOutcome<N>;
    }
    default:
      throw new Error(`unknown bench ${String(name)}`);
  }
}
