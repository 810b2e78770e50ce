import { sharedBootstrapVariable, sharedBrokerPidVariable } from '../environment';
import { takeSharedBroker } from './sharedBroker';

const killDeadlineMs = 5_000;
const pollIntervalMs = 20;

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Stops a broker known only by its PID: SIGTERM, then SIGKILL if it is still there at the deadline. */
async function stopByPid(pid: number): Promise<void> {
  const deadline = Date.now() + killDeadlineMs;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return; // already gone
  }
  while (isRunning(pid)) {
    if (Date.now() > deadline) {
      process.kill(pid, 'SIGKILL');
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, pollIntervalMs));
  }
}

/** Jest global teardown: stops the broker started by the global set-up, by PID, and waits for it to exit. */
export default async function globalTeardown(): Promise<void> {
  const broker = takeSharedBroker();
  const pid = process.env[sharedBrokerPidVariable];
  if (broker) {
    await broker.stop();
  } else if (pid !== undefined) {
    await stopByPid(Number(pid));
  }
  delete process.env[sharedBootstrapVariable];
  delete process.env[sharedBrokerPidVariable];
}
