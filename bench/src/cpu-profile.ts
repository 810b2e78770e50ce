/** Summaries of V8 CPU profiles (`--cpu-prof` files, or the inspector's Profiler.stop result). */

/** The parts of a V8 `.cpuprofile` used here. */
export interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  }[];
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
}

/** Self time of one category or function. */
export interface ProfileEntry {
  readonly name: string;
  /** Share of the busy (non-idle) samples, 0..1. */
  readonly share: number;
  readonly milliseconds: number;
}

/** Where a profile's time went. */
export interface ProfileSummary {
  /** Sampled wall time, ms. */
  readonly totalMs: number;
  /** Share of the sampled time the thread was idle (waiting for I/O) or serving the profiler, 0..1. */
  readonly idleShare: number;
  /** Busy time by category (package or source folder), largest first. */
  readonly categories: readonly ProfileEntry[];
  /** Busy time by function, largest first. */
  readonly functions: readonly ProfileEntry[];
}

const sourceFolder = /\/(sdk|agent|bench)\/src\/([^/]+)\//;
const packageName = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//;

/** The category a frame's self time is charged to: a package, a source folder, or a V8 pseudo-frame. */
export function categoryOf(functionName: string, url: string): string {
  if (url === '') {
    if (functionName === '(garbage collector)') return 'garbage collection';
    // The inspector's own message dispatch (Profiler.start/stop from inside the process) is not the program's time.
    if (functionName === '(idle)' || functionName === 'dispatch') return 'idle';
    if (functionName === '(program)') return 'V8 / native (program)';
    return functionName === '' ? 'native' : `native ${functionName}`;
  }
  const source = sourceFolder.exec(url);
  if (source !== null) return `${source[1]}/src/${source[2]}`;
  const dependency = packageName.exec(url);
  if (dependency !== null) return dependency[1]!;
  if (url.startsWith('node:')) return 'Node.js internals';
  return 'other';
}

function shortLocation(url: string, line: number): string {
  const trimmed = url.replace(/^file:\/\//, '').replace(/^.*\/(node_modules|sdk|agent|bench)\//, '$1/');
  // TypeScript run through tsx reports lines of the transpiled code, which mislead: name the file only.
  return trimmed.endsWith('.ts') ? trimmed : `${trimmed}:${line + 1}`;
}

function top(map: Map<string, number>, busyMs: number, count: number): ProfileEntry[] {
  return [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, milliseconds]) => ({ name, milliseconds, share: busyMs === 0 ? 0 : milliseconds / busyMs }));
}

/** Self time by category and by function; idle time is reported apart, not as a category. */
export function summarizeProfile(profile: CpuProfile, topCount = 8): ProfileSummary {
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  const categories = new Map<string, number>();
  const functions = new Map<string, number>();
  let totalMs = 0;
  let idleMs = 0;
  for (let index = 0; index < samples.length; index++) {
    const frame = frames.get(samples[index]!);
    // Each delta is the time since the previous sample: charge it to this one.
    const ms = Math.max(0, deltas[index] ?? 0) / 1000;
    totalMs += ms;
    if (frame === undefined) continue;
    const category = categoryOf(frame.functionName, frame.url);
    if (category === 'idle') {
      idleMs += ms;
      continue;
    }
    categories.set(category, (categories.get(category) ?? 0) + ms);
    const name =
      frame.url === ''
        ? category
        : `${frame.functionName || '(anonymous)'} (${shortLocation(frame.url, frame.lineNumber)})`;
    functions.set(name, (functions.get(name) ?? 0) + ms);
  }
  const busyMs = totalMs - idleMs;
  return {
    totalMs,
    idleShare: totalMs === 0 ? 0 : idleMs / totalMs,
    categories: top(categories, busyMs, topCount),
    functions: top(functions, busyMs, topCount),
  };
}
