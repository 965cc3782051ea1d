import type { Config } from '../../config.js';
import type { Logger } from '../../platform/logger.js';
import { type EmbeddedSimulator, type SimulatorInfo, startEmbeddedSimulator } from '../carrier/embedded-simulator.js';
import type { CarrierLinks } from '../carrier/links.js';
import type { MessagesService } from './messages.service.js';

/**
 * How often a worker process sweeps unmatched receipts, expired idempotency keys and media left pending by sends
 * that never finished (messages service sweep()).
 */
export const SWEEP_INTERVAL_MS = 60_000;

export interface Messaging {
  /** Set when the built-in simulator was started (no SMPP_URL). */
  simulator: SimulatorInfo | undefined;
  stop(): Promise<void>;
}

/**
 * What a worker role runs for messaging beside its job workers: the built-in SMSC simulator when no SMPP_URL is set
 * (the embedded default: `npm start` sends to it), a bind for every carrier route (so inbound texts and receipts
 * arrive), and a periodic sweep. stop() closes the links, then the simulator; stop the job workers first so their
 * submits finish.
 */
export async function startMessaging(deps: {
  config: Pick<Config, 'smppUrl' | 'smscSimPort' | 'dataDir'>;
  links: CarrierLinks;
  messages: Pick<MessagesService, 'sweep'>;
  logger: Logger;
}): Promise<Messaging> {
  const { config, links, logger } = deps;
  let embedded: EmbeddedSimulator | undefined;
  if (!config.smppUrl) {
    embedded = await startEmbeddedSimulator({ dataDir: config.dataDir, port: config.smscSimPort, logger });
    links.setFallbackUrl(embedded.info.smppUrl);
  }
  await links.start();
  const sweep = setInterval(() => {
    deps.messages.sweep().catch((error: unknown) => logger.warn({ err: error }, 'messages sweep failed'));
  }, SWEEP_INTERVAL_MS);
  sweep.unref();
  return {
    simulator: embedded?.info,
    async stop() {
      clearInterval(sweep);
      await links.close();
      await embedded?.close();
    },
  };
}
