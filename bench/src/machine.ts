import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as os from 'node:os';

/** What the numbers were measured on; printed with every report. */
export interface MachineInfo {
  readonly cpuModel: string;
  readonly cores: number;
  readonly memoryBytes: number;
  readonly node: string;
  readonly os: string;
  /** 1, 5 and 15 minute load averages when the run started: a hint of how noisy it was. */
  readonly loadAverage: readonly number[];
  /** Short commit id, with `+dirty` when the work tree has changes; `unknown` outside git. */
  readonly commit: string;
}

/** `model name` from /proc/cpuinfo, which names the CPU more fully than os.cpus() on some VMs. */
function cpuModel(): string {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((entry) => entry.startsWith('model name'));
    const model = line?.split(':')[1]?.trim();
    if (model) return model;
  } catch {
    // Not Linux: fall back to what Node reports.
  }
  return os.cpus()[0]?.model.trim() ?? 'unknown';
}

function gitCommit(cwd: string): string {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain'], { cwd, encoding: 'utf8' }).trim() !== '';
    return dirty ? `${commit}+dirty` : commit;
  } catch {
    return 'unknown';
  }
}

/** Describes this machine and the code under test. */
export function describeMachine(repositoryRoot: string): MachineInfo {
  return {
    cpuModel: cpuModel(),
    cores: os.cpus().length,
    memoryBytes: os.totalmem(),
    node: process.version,
    os: `${os.type()} ${os.release()} (${os.arch()})`,
    loadAverage: os.loadavg(),
    commit: gitCommit(repositoryRoot),
  };
}
