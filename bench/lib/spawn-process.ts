import { type ChildProcess, spawn } from 'node:child_process';

export interface SpawnedProcess {
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Runs a service entry as its own process and resolves once it reports it is listening (IPC). */
export async function spawnProcess(entry: string, env: NodeJS.ProcessEnv): Promise<SpawnedProcess> {
  const child = spawn(process.execPath, [entry], { env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.on('message', (message: { type?: string }) => message?.type === 'mercato:ready' && resolve());
    void exited.then(() => reject(new Error(`${entry} exited before it was ready`)));
  });
  return {
    child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
