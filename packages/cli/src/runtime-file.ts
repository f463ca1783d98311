import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from './user-error.ts';

/** Where a running `mercato up` can be reached; other `mercato` commands read it. */
export interface RuntimeInfo {
  registryUrl: string;
  gatewayUrl: string;
  pid: number;
}

const fileIn = (dataDir: string) => join(dataDir, 'runtime.json');

export async function writeRuntimeFile(dataDir: string, info: RuntimeInfo): Promise<void> {
  await writeFile(fileIn(dataDir), JSON.stringify(info, null, 2));
}

export async function removeRuntimeFile(dataDir: string): Promise<void> {
  await rm(fileIn(dataDir), { force: true });
}

export async function readRuntimeFile(dataDir: string): Promise<RuntimeInfo> {
  try {
    return JSON.parse(await readFile(fileIn(dataDir), 'utf8')) as RuntimeInfo;
  } catch {
    throw new UserError(`No running Mercato found in ${dataDir} (no runtime.json); start it with 'npm start' or set MERCATO_DATA_DIR.`);
  }
}
