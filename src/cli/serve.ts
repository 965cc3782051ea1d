import { mkdirSync } from 'node:fs';
import { buildApp } from '../app.js';
import type { Config } from '../config.js';
import { createContainer } from '../container.js';
import { type DemoCredentials, demoFile, ensureDemo } from '../demo.js';
import type { SimulatorInfo } from '../features/carrier/embedded-simulator.js';
import { startMessaging } from '../features/messages/messages.runtime.js';
import { migrateToLatest } from '../platform/db/migrations.js';
import { CliError, type Command, optionalString } from './cli.js';

export const ROLES = ['all', 'api', 'worker'] as const;
export type ServeRole = (typeof ROLES)[number];

/**
 * Runs the platform: `api` serves HTTP, `worker` runs jobs and carrier links, `all` (the default) both in
 * one process. SIGTERM and SIGINT stop it gracefully: no new connections, in-flight requests and jobs
 * finish (up to SHUTDOWN_TIMEOUT_MS), then the database closes.
 */
export async function serve(config: Config, role: ServeRole, env: NodeJS.ProcessEnv): Promise<void> {
  mkdirSync(config.dataDir, { recursive: true });
  const container = createContainer({ config });
  const { logger } = container;
  await migrateToLatest(container.database.db);

  const demo = env.DEMO === 'off' || role === 'worker' ? null : await ensureDemo(container);

  const app = role === 'worker' ? null : await buildApp(container);
  if (app) await app.listen({ port: config.port, host: config.host });
  // Worker roles bind the carrier routes (and start the built-in SMSC simulator when no SMPP_URL is set) before
  // the workers take send jobs.
  const messaging =
    role === 'api'
      ? null
      : await startMessaging({ config, links: container.carrierLinks, messages: container.messages, logger });
  const worker = role === 'api' ? null : container.createWorker();
  const sendWorker = role === 'api' ? null : container.createSendWorker();
  worker?.start();
  sendWorker?.start();

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.error('shutdown timed out; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    force.unref();
    // Stop taking work first (connections, then jobs), let what is in flight finish, then close the database.
    await app?.close();
    await Promise.all([worker?.stop(), sendWorker?.stop()]);
    await messaging?.stop();
    await container.close();
    logger.info('stopped');
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));

  console.log(banner(config, role, demo, messaging?.simulator));
}

function banner(
  config: Config,
  role: ServeRole,
  demo: DemoCredentials | null,
  simulator: SimulatorInfo | undefined,
): string {
  const api = `${config.publicUrl}${config.stage}`;
  const lines = [
    `Stratus Connect is running (role: ${role}, database: ${config.databaseUrl.split(':')[0]})`,
    `  Web app:   ${config.publicUrl}/`,
    `  API base:  ${api}`,
    `  Health:    ${config.publicUrl}/healthz`,
  ];
  if (simulator) {
    lines.push(
      `  SMSC simulator (no SMPP_URL set): smpp://127.0.0.1:${simulator.smppPort}, control ${simulator.controlUrl}`,
      '    (`stratus simulate inbound --from … --to … --text …` sends it a text)',
    );
  }
  if (demo) {
    lines.push(
      '',
      `Demo organisation "${demo.organizationName}" (${demo.organizationId})`,
      `  Department ${demo.departmentId} owns ${demo.phoneNumber}`,
      `  Admin sign-in: ${demo.adminEmail} / ${demo.adminPassword}`,
      `  (also in ${demoFile(config.dataDir)})`,
    );
  }
  return lines.join('\n');
}

export const serveCommand: Command = {
  summary: 'Run the platform',
  usage: 'serve [--role all|api|worker]',
  options: { role: { type: 'string' } },
  async run({ flags, config }) {
    const role = optionalString(flags, 'role') ?? 'all';
    if (!(ROLES as readonly string[]).includes(role)) throw new CliError('--role must be all, api or worker');
    await serve(config, role as ServeRole, process.env);
  },
};
