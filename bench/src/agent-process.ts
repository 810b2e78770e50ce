/**
 * The bench side of the agent process (scale-agent.ts): forks it, sends it one command at
 * a time over Node's IPC channel (scale-protocol.ts) and waits for the reply. Used by the
 * scale and ingest benches, so that the agent's CPU and memory are its own.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { type ScaleCommand, type ScaleReply } from './scale-protocol';

/** Longest wait for one command of the agent process (a cold cycle at 10,000 partitions included). */
const commandTimeoutMs = 300_000;

const repositoryRoot = resolve(__dirname, '..', '..');

/** The agent process: one request at a time over the IPC channel. */
export class AgentProcess {
  private readonly child: ChildProcess;
  private pending: { resolve: (reply: ScaleReply) => void; reject: (error: Error) => void } | undefined;
  private exit: Promise<void>;
  private exited = false;

  constructor() {
    this.child = fork(join(__dirname, 'scale-agent.ts'), [], {
      execArgv: ['--require', require.resolve('tsx/cjs')],
      env: { ...process.env, TSX_TSCONFIG_PATH: join(repositoryRoot, 'tsconfig.check.json') },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child.on('message', (reply: ScaleReply) => {
      const pending = this.pending;
      this.pending = undefined;
      pending?.resolve(reply);
    });
    this.exit = new Promise((resolveExit) => {
      this.child.once('exit', (code, signal) => {
        this.exited = true;
        this.pending?.reject(new Error(`the agent process exited (${signal ?? `exit code ${code}`})`));
        this.pending = undefined;
        resolveExit();
      });
    });
  }

  /** PID of the agent process (for its CPU time and RSS in /proc); undefined once it has exited. */
  get pid(): number | undefined {
    return this.exited ? undefined : this.child.pid;
  }

  /** Sends a command and waits for its reply, which must be of the `expected` type. */
  async request<T extends ScaleReply['type']>(
    command: ScaleCommand,
    expected: T,
  ): Promise<Extract<ScaleReply, { type: T }>> {
    if (this.exited) throw new Error('the agent process has exited');
    if (this.pending !== undefined) throw new Error('one agent command at a time');
    let timer: NodeJS.Timeout | undefined;
    const reply = await new Promise<ScaleReply>((resolveReply, reject) => {
      this.pending = { resolve: resolveReply, reject };
      timer = setTimeout(
        () => reject(new Error(`agent command ${command.type} took over ${commandTimeoutMs} ms`)),
        commandTimeoutMs,
      );
      this.child.send(command);
    }).finally(() => clearTimeout(timer));
    if (reply.type === 'failed') throw new Error(`agent command ${command.type} failed: ${reply.message}`);
    if (reply.type !== expected) throw new Error(`agent replied ${reply.type} to ${command.type}`);
    return reply as Extract<ScaleReply, { type: T }>;
  }

  /** Stops the agent and waits for the process to exit; kills it (by its handle) when that fails. */
  async stop(): Promise<number | undefined> {
    try {
      const { maxRss } = await this.request({ type: 'stop' }, 'stopped');
      await this.exit;
      return maxRss;
    } finally {
      if (!this.exited) {
        this.child.kill('SIGKILL');
        await this.exit;
      }
    }
  }
}
