#!/usr/bin/env node
import { ConfigError, agentHelpText, helpRequested, loadAgentConfig } from '../config/load';
import { startAgent } from '../runtime/agent';

/** `streamops-agent`: runs the agent until SIGTERM or SIGINT. */
async function main(argv: readonly string[]): Promise<number> {
  if (helpRequested(argv)) {
    console.log(agentHelpText());
    return 0;
  }
  const config = loadAgentConfig({ argv, env: process.env });
  const agent = await startAgent(config);
  console.log(
    `streamops-agent listening on ${agent.url} (metrics ${agent.url}/metrics, API ${agent.url}/api/v1/clusters); ` +
      `collecting ${config.clusters.map((cluster) => cluster.name).join(', ')} every ${config.collection.intervalSeconds}s`,
  );
  await new Promise<void>((resolve) => {
    const shutdown = (signal: string) => {
      console.log(`streamops-agent: ${signal}, shutting down`);
      resolve();
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
  });
  await agent.stop();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof ConfigError ? error.message : error);
    process.exit(error instanceof ConfigError ? 2 : 1);
  },
);
