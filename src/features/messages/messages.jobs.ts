import { type JobContext, JobDeferred, type JobHandlers } from '../../platform/jobs/queue.js';
import { PermanentCarrierError, TransientCarrierError } from '../carrier/carrier.errors.js';
import type { CarrierLinks } from '../carrier/links.js';
import { buildSubmitParts } from '../carrier/smpp-session.js';
import { type MessagesService, type MessagesTasks, outgoingText } from './messages.service.js';

/** errorCode of a message whose transient failures outlasted its job's attempts. */
export const GAVE_UP_ERROR_CODE = 'carrier_unavailable';
/**
 * How long a send waits when its route is exclusive and another worker process holds the bind: short, so the job
 * soon lands on the holder (or finds this process holding the route after a takeover).
 */
export const ROUTE_HELD_ELSEWHERE_DELAY_MS = 1000;

/**
 * The handlers of the messages feature's jobs.
 *
 * messages.send: queued → sending → submit on the message's route → sent (with its parts). A TransientCarrierError
 * (link lost with the submit in flight, response timeout, throttling, no route) is rethrown, so the job is retried
 * later and the message is submitted again with the same id (the concatenation reference derives from it): at least
 * once, never lost. A PermanentCarrierError marks the message failed with the SMPP status as errorCode. When the job
 * has no attempt left the message is marked failed rather than left `sending` forever. A route held by another worker
 * process (exclusive routes, `route_held_elsewhere`) is no failure: the job defers itself without spending an attempt.
 */
export function createMessageJobHandlers(deps: {
  messages: MessagesService;
  links: Pick<CarrierLinks, 'submit' | 'isHeldElsewhere'>;
}): JobHandlers<MessagesTasks> {
  const { messages, links } = deps;
  return {
    'messages.send': async ({ messageId, optOutExempt, from, departmentId }, ctx: JobContext) => {
      // Waiting for another process's bind touches nothing on the message (no `sending`, no attempt counted).
      if (from !== undefined && departmentId !== undefined && (await links.isHeldElsewhere({ from, departmentId }))) {
        throw new JobDeferred(ROUTE_HELD_ELSEWHERE_DELAY_MS, 'the carrier route is bound by another worker process');
      }
      const message = await messages.beginSend(messageId, { optOutExempt: optOutExempt === true });
      if (!message) return;
      const media = JSON.parse(message.media) as { url: string }[];
      const parts = buildSubmitParts({
        from: message.from_number,
        to: message.to_number,
        text: outgoingText(message.text, media),
        messageId: message.id,
      });
      let result: { routeId: string; smscMessageIds: string[] };
      try {
        result = await links.submit({ from: message.from_number, departmentId: message.department_id }, parts);
      } catch (error) {
        if (error instanceof PermanentCarrierError) {
          await messages.failSend(message.id, error.errorCode, error.message);
          return;
        }
        if (error instanceof TransientCarrierError && error.reason === 'route_held_elsewhere') {
          throw new JobDeferred(ROUTE_HELD_ELSEWHERE_DELAY_MS, error.message);
        }
        if (error instanceof TransientCarrierError && ctx.attempt >= ctx.job.maxAttempts) {
          await messages.failSend(message.id, error.errorCode ?? GAVE_UP_ERROR_CODE, error.message);
          return;
        }
        throw error;
      }
      await messages.completeSend(message.id, result.routeId, result.smscMessageIds);
    },

    'messages.inbound': async ({ messageId }) => {
      await messages.processInbound(messageId);
    },
  };
}
