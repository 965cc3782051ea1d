import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

export const REPO_ROOT = join(import.meta.dirname, '..', '..');
const TSX = join(REPO_ROOT, 'node_modules', '.bin', 'tsx');

/**
 * The command that runs the platform from its sources. With STRATUS_CPU_PROF_DIR set (benchmarks), the process
 * writes a V8 CPU profile there when it exits (`node --cpu-prof`, which NODE_OPTIONS does not allow).
 */
function stratusCommand(args: string[]): [string, string[]] {
  const main = join(REPO_ROOT, 'src', 'main.ts');
  const profileDir = process.env.STRATUS_CPU_PROF_DIR;
  if (!profileDir) return [TSX, [main, ...args]];
  return [process.execPath, ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, '--import', 'tsx', main, ...args]];
}

/** Runs `stratus <args>` from the TypeScript sources in a real child process. */
export function runStratus(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const [command, commandArgs] = stratusCommand(args);
    const child = spawn(command, commandArgs, {
      env: { ...process.env, LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Starts `stratus <args>` and resolves once its output contains `readyText`. */
export function startStratus(
  args: string[],
  env: Record<string, string>,
  readyText: string,
): Promise<{ child: ChildProcess; output: () => string; exited: Promise<number | null> }> {
  const [command, commandArgs] = stratusCommand(args);
  const child = spawn(command, commandArgs, {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready in time; output so far:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk;
      if (output.includes(readyText)) {
        clearTimeout(timer);
        resolve({ child, output: () => output, exited });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before ready:\n${output}`));
    });
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
