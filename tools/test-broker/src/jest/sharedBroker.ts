import { type TestBroker } from '../launcher';

/** Where the global set-up keeps its broker for the global teardown (both run in jest's main process). */
interface SharedBrokerHolder {
  __streamopsSharedTestBroker?: TestBroker;
}

const holder = globalThis as SharedBrokerHolder;

export function rememberSharedBroker(broker: TestBroker): void {
  holder.__streamopsSharedTestBroker = broker;
}

export function takeSharedBroker(): TestBroker | undefined {
  const broker = holder.__streamopsSharedTestBroker;
  delete holder.__streamopsSharedTestBroker;
  return broker;
}
