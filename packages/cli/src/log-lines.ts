import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { writeOut } from './output.ts';

const LEVEL_NAMES: Record<string, string> = {
  trace: 'TRACE',
  debug: 'DEBUG',
  info: 'INFO ',
  warn: 'WARN ',
  error: 'ERROR',
  fatal: 'FATAL',
};
const OMIT = new Set(['level', 'time', 'service', 'instance', 'msg', 'pid', 'hostname']);

/** Renders one pino JSON line compactly for a person reading the terminal; other text passes through. */
export function formatLogLine(line: string): string {
  if (!line.startsWith('{')) return line;
  try {
    const entry = JSON.parse(line) as Record<string, unknown>;
    const time = typeof entry.time === 'string' ? entry.time.slice(11, 19) : '';
    const level = LEVEL_NAMES[String(entry.level)] ?? String(entry.level ?? '');
    const extras = Object.entries(entry)
      .filter(([key]) => !OMIT.has(key))
      .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
      .join(' ');
    return `${time} ${level} ${String(entry.msg ?? '')}${extras ? `  ${extras}` : ''}`;
  } catch {
    return line;
  }
}

/**
 * Writes every line of a child's output to our stdout, prefixed with the child's name. The lines are
 * read even when our stdout is gone, so a child never blocks on a full pipe.
 */
export function prefixLines(stream: Readable, name: string, width: number, json: boolean): void {
  const prefix = `${name.padEnd(width)} | `;
  createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (line) => {
    writeOut(`${prefix}${json ? line : formatLogLine(line)}\n`);
  });
}
