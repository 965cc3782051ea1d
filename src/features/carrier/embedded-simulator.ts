import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../platform/logger.js';
import { type SimulatorOptions, type SmscSimulator, startSmscSimulator } from './simulator.js';
import { type SimulatorControl, startSimulatorControl } from './simulator-control.js';

/**
 * The built-in SMSC simulator as a process runs it: `stratus serve` without SMPP_URL (the embedded default) and
 * `stratus smsc-sim`. It listens on loopback with its HTTP control endpoint beside it, and writes both addresses to
 * DATA_DIR/smsc-simulator.json so `stratus simulate inbound` finds it.
 */
export interface SimulatorInfo {
  /** The route URL the platform binds with (the simulator accepts any credentials unless told otherwise). */
  smppUrl: string;
  smppPort: number;
  controlUrl: string;
  pid: number;
}

export interface EmbeddedSimulator {
  sim: SmscSimulator;
  control: SimulatorControl;
  info: SimulatorInfo;
  close(): Promise<void>;
}

export function simulatorInfoFile(dataDir: string): string {
  return join(dataDir, 'smsc-simulator.json');
}

export function readSimulatorInfo(dataDir: string): SimulatorInfo | undefined {
  const file = simulatorInfoFile(dataDir);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as SimulatorInfo;
  } catch {
    return undefined;
  }
}

export async function startEmbeddedSimulator(options: {
  dataDir: string;
  /** 0 = any free port. */
  port: number;
  controlPort?: number;
  host?: string;
  logger: Logger;
  simulator?: Omit<SimulatorOptions, 'port' | 'host' | 'logger'>;
}): Promise<EmbeddedSimulator> {
  const host = options.host ?? '127.0.0.1';
  const sim = await startSmscSimulator({ ...options.simulator, port: options.port, host, logger: options.logger });
  let control: SimulatorControl;
  try {
    control = await startSimulatorControl(sim, { port: options.controlPort ?? 0, host });
  } catch (error) {
    await sim.close();
    throw error;
  }
  const credentials = options.simulator?.credentials ?? { systemId: 'stratus', password: 'stratus' };
  const info: SimulatorInfo = {
    smppUrl: `smpp://${encodeURIComponent(credentials.systemId)}:${encodeURIComponent(credentials.password)}@${host}:${sim.port}`,
    smppPort: sim.port,
    controlUrl: control.url,
    pid: process.pid,
  };
  mkdirSync(options.dataDir, { recursive: true });
  const file = simulatorInfoFile(options.dataDir);
  writeFileSync(file, `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
  return {
    sim,
    control,
    info,
    async close() {
      await control.close();
      await sim.close();
      // Only our own file: another process may have started a simulator since.
      if (readSimulatorInfo(options.dataDir)?.pid === process.pid) rmSync(file, { force: true });
    },
  };
}
