import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CodeBlock } from '../harness/markdown.js';
import { REPO_ROOT } from '../harness/processes.js';

/** Languages whose blocks are programs, each run by an interpreter; every such block of a guide must be run. */
export const RUNNABLE = new Set(['sh', 'bash', 'ts', 'js', 'python']);

const TSX = join(REPO_ROOT, 'node_modules', '.bin', 'tsx');
const SDK_SOURCE = join(REPO_ROOT, 'packages', 'sdk', 'src', 'index.ts');

/** A folder for the files of the samples (what they write, and the samples themselves). */
export const SAMPLES_DIR = mkdtempSync(join(tmpdir(), 'stratus-samples-'));
let counter = 0;

/**
 * The command that runs a block: bash for shell, tsx for TypeScript (as an ES module, with the SDK package name
 * pointing at packages/sdk of this repository, as installing it would), node for JavaScript, python3 for Python.
 */
function commandOf(block: CodeBlock): { command: string; args: string[] } {
  counter++;
  switch (block.lang) {
    case 'sh':
    case 'bash':
      return { command: 'bash', args: ['-euo', 'pipefail', '-c', block.code] };
    case 'ts': {
      const file = join(SAMPLES_DIR, `sample-${counter}.mts`);
      writeFileSync(file, block.code.replaceAll(`'@stratus-connect/sdk'`, JSON.stringify(SDK_SOURCE)));
      return { command: TSX, args: [file] };
    }
    case 'js': {
      const file = join(SAMPLES_DIR, `sample-${counter}.mjs`);
      writeFileSync(file, block.code);
      return { command: 'node', args: [file] };
    }
    case 'python': {
      const file = join(SAMPLES_DIR, `sample-${counter}.py`);
      writeFileSync(file, block.code);
      return { command: 'python3', args: ['-u', file] };
    }
    default:
      throw new Error(`no way to run a ${block.lang} block`);
  }
}

export interface RunningSample {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  stop(): Promise<void>;
}

/** Starts a block (a long-running one, such as a receiver); `env` is added to this process's environment. */
export function startSample(block: CodeBlock, env: Record<string, string>): RunningSample {
  const { command, args } = commandOf(block);
  const child = spawn(command, args, {
    cwd: SAMPLES_DIR,
    env: { ...process.env, ...env, PATH: `${join(REPO_ROOT, 'node_modules', '.bin')}:${process.env.PATH}` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    output += chunk;
    for (const listener of [...listeners]) listener();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  return {
    child,
    exited,
    output: () => output,
    waitFor(pattern, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(output);
          if (!match) return;
          clearTimeout(timer);
          listeners.delete(check);
          resolve(match);
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`sample of line ${block.line} printed no ${pattern} in time; output:\n${output}`));
        }, timeoutMs);
        listeners.add(check);
        check();
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Runs a block to its end and answers its output; fails unless it exits 0 (and prints `expect`, when tagged so). */
export async function runSample(block: CodeBlock, env: Record<string, string>): Promise<string> {
  const sample = startSample(block, env);
  const timer = setTimeout(() => sample.child.kill('SIGKILL'), 60_000);
  const code = await sample.exited;
  clearTimeout(timer);
  if (code !== 0) throw new Error(`${block.lang} sample of line ${block.line} exited ${code}:\n${sample.output()}`);
  const expected = block.attributes.expect;
  if (expected !== undefined && !sample.output().includes(expected)) {
    throw new Error(`${block.lang} sample of line ${block.line} did not print "${expected}":\n${sample.output()}`);
  }
  return sample.output();
}
