#!/usr/bin/env node
import { ConfigError } from '../config/load';
import { ClusterCollectionError } from '../collector/explaining-source';
import { runCapacityCommand } from './capacity-command';
import { runLagCommand } from './lag-command';

const usage = `usage: streamops <command> [flags]

commands:
  lag        consumer group lag per partition, in messages and seconds, with status
  capacity   pipeline throughput model, stage utilisation, bottleneck and a plan for a target rate

Run "streamops <command> --help" for a command's flags.`;

/** The `streamops` command line. */
async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'lag':
      return runLagCommand(rest, process.env, (text) => console.log(text));
    case 'capacity':
      return runCapacityCommand(rest, (text) => console.log(text));
    case undefined:
    case '--help':
    case 'help':
      console.log(usage);
      return command === undefined ? 2 : 0;
    default:
      console.error(`unknown command ${JSON.stringify(command)}\n\n${usage}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    // A cluster that cannot be read is an answer, not a crash: its explained line, no stack trace.
    if (error instanceof ClusterCollectionError) {
      console.error(`streamops: ${error.message}`);
      process.exit(1);
    }
    console.error(error);
    process.exit(1);
  },
);
