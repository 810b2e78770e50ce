/** Messages between the scale and ingest benches and the agent process they measure (over the Node IPC channel). */
import { type ProfileSummary } from './cpu-profile';

/** What the bench asks the agent process to do. */
export type ScaleCommand =
  /** Start the agent with this raw configuration (validated by `parseAgentConfig`) and wait for its first cycle. */
  | { readonly type: 'start'; readonly config: unknown }
  /** Run one collection cycle now. */
  | { readonly type: 'cycle' }
  /** GET /metrics once. */
  | { readonly type: 'scrape' }
  /** Profile `cycles` cycles, each followed by two scrapes, with the V8 CPU profiler. */
  | { readonly type: 'profile'; readonly cycles: number }
  /** Profile whatever the agent does for `ms` milliseconds (the ingest bench's load), with the V8 CPU profiler. */
  | { readonly type: 'profileFor'; readonly ms: number }
  /** Stop the agent. */
  | { readonly type: 'stop' };

/** What the agent's current snapshot holds, to check that a cycle saw everything it should. */
export interface SnapshotStats {
  readonly groups: number;
  /** Group-partition views with a committed offset. */
  readonly committedPartitions: number;
  /** Group-partition views with a lag in seconds (the record timestamp was found). */
  readonly partitionsWithLagSeconds: number;
  readonly collectorUp: boolean;
  readonly lastError: string | null;
}

/** Memory of the agent process, bytes. */
export interface MemoryStats {
  readonly rss: number;
  readonly heapUsed: number;
}

/** Replies, one per command, in order. */
export type ScaleReply =
  | {
      readonly type: 'started';
      /** Base URL of the agent's HTTP server. */
      readonly url: string;
      readonly idle: MemoryStats;
      readonly wallMs: number;
      readonly cpuMs: number;
      readonly snapshot: SnapshotStats;
      readonly memory: MemoryStats;
    }
  | {
      readonly type: 'cycled';
      readonly wallMs: number;
      readonly cpuMs: number;
      readonly snapshot: SnapshotStats;
      readonly memory: MemoryStats;
    }
  | {
      readonly type: 'scraped';
      readonly wallMs: number;
      readonly bytes: number;
      readonly samples: number;
      readonly memory: MemoryStats;
    }
  | { readonly type: 'profiled'; readonly summary: ProfileSummary }
  | { readonly type: 'stopped'; readonly maxRss: number }
  | { readonly type: 'failed'; readonly message: string };
