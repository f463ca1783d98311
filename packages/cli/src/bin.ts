#!/usr/bin/env node
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { guardOutput, writeErr, writeOut } from './output.ts';
import { up } from './up.ts';
import { UserError } from './user-error.ts';

const USAGE = `Usage: mercato <command>

Commands:
  up [--scale service=n ...] [--autoscale]
                               start the whole platform (what npm start runs); --autoscale lets the
                               predictive autoscaler start and drain instances (MERCATO_AUTOSCALE_LIMITS)
  status [--url URL]           show the gateway's view of every service
  seed [--products N] [--seed S]
                               load generated products, each with stock, straight into the
                               catalog and inventory databases (default: the 240-product demo store)
  dlq list [service]           list events consumers gave up on
  dlq replay <service> <id>    run the consumer on a dead letter again
  keys rotate                  start signing access tokens with a new key
  chaos --kill-every 5s [--pause 3s] [--slow-db 200ms] [--duration 60s] [--seed N] [--spare-registry]  break the running platform on purpose
`;

// `mercato dlq list | head` or a closed terminal: a write that fails is no crash.
guardOutput();

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'up': {
      const { values } = parseArgs({ args: rest, options: { scale: { type: 'string', multiple: true }, autoscale: { type: 'boolean' } } });
      const scale: Record<string, number> = {};
      for (const item of values.scale ?? []) {
        const match = /^([a-z-]+)=(\d{1,2})$/.exec(item);
        if (!match?.[1] || !match[2]) throw new UserError(`--scale takes service=count, e.g. --scale catalog=2 (got ${item}).`);
        scale[match[1]] = Number(match[2]);
      }
      await up({ env: process.env, scale, autoscale: values.autoscale === true });
      return;
    }
    case 'status': {
      const { values } = parseArgs({ args: rest, options: { url: { type: 'string' } } });
      const { status } = await import('./status.ts');
      const { GATEWAY } = await import('./topology.ts');
      process.exitCode = await status(values.url ?? `http://127.0.0.1:${process.env[GATEWAY.port.variable] ?? GATEWAY.port.default}`);
      return;
    }
    case 'seed': {
      const { values } = parseArgs({ args: rest, options: { products: { type: 'string' }, seed: { type: 'string' } } });
      const { seedCommand } = await import('./seed/seed-command.ts');
      process.exitCode = await seedCommand(values, process.env);
      return;
    }
    case 'dlq': {
      const [action, service, id] = rest;
      const dataDir = resolve(process.env.MERCATO_DATA_DIR ?? '.mercato');
      const { readRuntimeFile } = await import('./runtime-file.ts');
      const { listDeadLetters, replayDeadLetter } = await import('./dlq.ts');
      const { registryUrl } = await readRuntimeFile(dataDir);
      if (action === 'list') {
        process.exitCode = await listDeadLetters(dataDir, registryUrl, service);
        return;
      }
      if (action === 'replay' && service && id) {
        process.exitCode = await replayDeadLetter(dataDir, registryUrl, service, id);
        return;
      }
      throw new UserError('usage: mercato dlq list [service] | mercato dlq replay <service> <id>');
    }
    case 'keys': {
      if (rest[0] !== 'rotate') throw new UserError('usage: mercato keys rotate');
      const dataDir = resolve(process.env.MERCATO_DATA_DIR ?? '.mercato');
      const { readRuntimeFile } = await import('./runtime-file.ts');
      const { rotateKeys } = await import('./keys.ts');
      process.exitCode = await rotateKeys(dataDir, (await readRuntimeFile(dataDir)).registryUrl);
      return;
    }
    case 'chaos': {
      const { chaosCommand } = await import('./chaos/chaos-command.ts');
      process.exitCode = await chaosCommand(rest, process.env);
      return;
    }
    default:
      writeOut(USAGE);
      process.exitCode = command ? 1 : 0;
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof UserError) {
    writeErr(`mercato: ${error.message}\n`);
  } else if ((error as { code?: string })?.code?.startsWith('ERR_PARSE_ARGS')) {
    writeErr(`mercato: ${(error as Error).message}\n${USAGE}`);
  } else {
    writeErr(`mercato: unexpected failure: ${(error as Error)?.message ?? String(error)}\n`);
  }
  process.exit(1);
});
