import { type GroupLagView } from '../protocol/lag-snapshot';

const headers = ['GROUP', 'TOPIC', 'PARTITION', 'COMMITTED', 'END', 'LAG', 'TIME LAG', 'STATUS'] as const;

/** Formats seconds for people: 0.4s, 12s, 3m05s, 2h01m, or "-" when unknown. */
export function formatSeconds(seconds: number | null): string {
  if (seconds === null || Number.isNaN(seconds)) return '-';
  if (seconds === Number.POSITIVE_INFINITY) return 'inf';
  if (seconds < 10) return `${seconds.toFixed(1)}s`;
  const whole = Math.round(seconds);
  if (whole < 60) return `${whole}s`;
  if (whole < 3600) return `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, '0')}s`;
  return `${Math.floor(whole / 3600)}h${String(Math.floor((whole % 3600) / 60)).padStart(2, '0')}m`;
}

/**
 * Renders the `streamops lag` table: one row per group partition, like
 * `kafka-consumer-groups --describe` plus time lag and status. The status column shows
 * the partition status, and the group row's status after the group name.
 */
export function renderLagTable(groups: readonly GroupLagView[]): string {
  const rows: string[][] = [];
  for (const group of groups) {
    const groupLabel = `${group.group} (${group.state}, ${group.status})`;
    if (group.partitions.length === 0) {
      rows.push([groupLabel, '-', '-', '-', '-', '-', '-', group.status]);
      continue;
    }
    for (const partition of group.partitions) {
      rows.push([
        groupLabel,
        partition.topic,
        String(partition.partition),
        partition.committedOffset === null ? '-' : String(partition.committedOffset),
        String(partition.logEndOffset),
        partition.lagMessages === null ? '-' : String(partition.lagMessages),
        formatSeconds(partition.lagSeconds),
        partition.status,
      ]);
    }
  }
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const numeric = new Set([2, 3, 4, 5, 6]);
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) =>
        numeric.has(column) ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0),
      )
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}
