import { type Clock, systemClock } from '../../platform/clock.js';
import type { Logger } from '../../platform/logger.js';
import { TransientCarrierError } from './carrier.errors.js';
import type { CarrierRoute } from './carrier.routes-table.js';
import type { DeliveryReceipt } from './receipts.js';
import { parseRouteUrl, redactRouteUrl } from './route-url.js';
import {
  type InboundSms,
  type SessionStats,
  SmppSession,
  type SmppSessionOptions,
  type SubmitPart,
} from './smpp-session.js';

/**
 * The carrier link manager of one worker process: it picks the route of each outbound message and keeps one
 * SmppSession (one bind_transceiver) per route, opened at start() so inbound texts and receipts arrive even before
 * anything is sent.
 *
 * Route order for a message: a route for its sender number, then one for its department, then the route table's
 * default, then SMPP_URL (route id `env`), then the built-in simulator (route id `simulator`).
 *
 * One bind per route per process: several worker processes each bind every route. That is what many SMSCs allow
 * (they cap binds per system_id); when one does not, the next step is a lease row per route in the database so
 * exactly one process owns a bind at a time (see features/messages/README.md, "Not done").
 */
export const ENV_ROUTE_ID = 'env';
export const SIMULATOR_ROUTE_ID = 'simulator';
/** How long the route table is trusted before it is read again. */
export const ROUTE_RELOAD_MS = 5000;

export interface ResolvedRoute {
  id: string;
  url: string;
}

export interface LinkStatus {
  routeId: string;
  url: string;
  state: SmppSession['state'];
  stats: SessionStats;
}

export interface CarrierLinksOptions {
  routes: { list(): Promise<CarrierRoute[]> };
  /** SMPP_URL: the default route after the table's own. */
  defaultUrl?: string | undefined;
  /** Session settings under every route's own (tests shorten timeouts here). */
  sessionDefaults?: Partial<SmppSessionOptions>;
  onReceipt(routeId: string, receipt: DeliveryReceipt): Promise<void>;
  onInbound(routeId: string, message: InboundSms): Promise<void>;
  logger: Logger;
  clock?: Clock;
  reloadMs?: number;
}

interface Link {
  url: string;
  session: SmppSession;
}

export function createCarrierLinks(options: CarrierLinksOptions) {
  const clock = options.clock ?? systemClock;
  const log = options.logger.child({ component: 'carrier-links' });
  const reloadMs = options.reloadMs ?? ROUTE_RELOAD_MS;
  const links = new Map<string, Link>();
  let fallbackUrl: string | undefined;
  let table:
    | { byNumber: Map<string, ResolvedRoute>; byDepartment: Map<string, ResolvedRoute>; byDefault?: ResolvedRoute }
    | undefined;
  let loadedAt = 0;
  let loading: Promise<void> | undefined;
  let closed = false;

  async function load(): Promise<void> {
    const routes = await options.routes.list();
    const next: NonNullable<typeof table> = { byNumber: new Map(), byDepartment: new Map() };
    for (const route of routes) {
      const resolved = { id: route.id, url: route.url };
      if (route.kind === 'number') next.byNumber.set(route.match, resolved);
      else if (route.kind === 'department') next.byDepartment.set(route.match, resolved);
      else next.byDefault = resolved;
    }
    table = next;
    loadedAt = clock.now();
  }

  async function current(): Promise<NonNullable<typeof table>> {
    if (!table || clock.now() - loadedAt >= reloadMs) {
      loading ??= load().finally(() => {
        loading = undefined;
      });
      try {
        await loading;
      } catch (error) {
        // A database hiccup: keep routing with the table we have, if any.
        if (!table) throw error;
        log.warn({ err: error }, 'could not reload the carrier route table; using the previous one');
      }
    }
    return table!;
  }

  function fallbacks(): ResolvedRoute[] {
    const list: ResolvedRoute[] = [];
    if (options.defaultUrl) list.push({ id: ENV_ROUTE_ID, url: options.defaultUrl });
    if (fallbackUrl) list.push({ id: SIMULATOR_ROUTE_ID, url: fallbackUrl });
    return list;
  }

  function linkFor(route: ResolvedRoute): SmppSession {
    const existing = links.get(route.id);
    if (existing && existing.url === route.url) return existing.session;
    if (existing) {
      log.info({ routeId: route.id, url: redactRouteUrl(route.url) }, 'carrier route changed; rebinding');
      void existing.session.close();
    }
    const routeId = route.id;
    const session = new SmppSession({
      ...options.sessionDefaults,
      ...parseRouteUrl(route.url),
      name: routeId,
      logger: options.logger,
      clock,
      onReceipt: (receipt) => options.onReceipt(routeId, receipt),
      onInbound: (message) => options.onInbound(routeId, message),
    });
    session.start();
    links.set(routeId, { url: route.url, session });
    log.info({ routeId, url: redactRouteUrl(route.url) }, 'carrier link opened');
    return session;
  }

  /** The route a message from `from` (a number of `departmentId`) takes, or undefined when none is configured. */
  async function resolve(target: { from: string; departmentId: string }): Promise<ResolvedRoute | undefined> {
    const routes = await current();
    return (
      routes.byNumber.get(target.from) ??
      routes.byDepartment.get(target.departmentId) ??
      routes.byDefault ??
      fallbacks()[0]
    );
  }

  return {
    /** The built-in simulator's URL: the last resort when no other route matches. */
    setFallbackUrl(url: string | undefined): void {
      fallbackUrl = url;
    },

    resolve,

    /**
     * Sends the parts on the message's route. Resolves once the SMSC acknowledged every part; rejects with
     * TransientCarrierError (send again later, same message id) or PermanentCarrierError (see smpp-session.ts).
     */
    async submit(
      target: { from: string; departmentId: string },
      parts: readonly SubmitPart[],
    ): Promise<{ routeId: string; smscMessageIds: string[] }> {
      if (closed) throw new TransientCarrierError('closed', 'The carrier links are closed');
      const route = await resolve(target);
      if (!route)
        throw new TransientCarrierError('no_route', 'No carrier route is configured (set SMPP_URL or add a route)');
      const { smscMessageIds } = await linkFor(route).submit(parts);
      return { routeId: route.id, smscMessageIds };
    },

    /** Opens a link for every configured route, so inbound texts arrive before anything is sent. */
    async start(): Promise<void> {
      const routes = await current();
      const all = [
        ...routes.byNumber.values(),
        ...routes.byDepartment.values(),
        ...(routes.byDefault ? [routes.byDefault] : []),
        ...fallbacks(),
      ];
      for (const route of all) linkFor(route);
    },

    /** The session of a route, when open (tests, status pages). */
    session(routeId: string): SmppSession | undefined {
      return links.get(routeId)?.session;
    },

    status(): LinkStatus[] {
      return [...links.entries()].map(([routeId, link]) => ({
        routeId,
        url: redactRouteUrl(link.url),
        state: link.session.state,
        stats: link.session.stats,
      }));
    },

    /** Closes every link: queued submits reject (transient), in-flight ones get their response timeout. */
    async close(): Promise<void> {
      closed = true;
      const sessions = [...links.values()].map((link) => link.session);
      links.clear();
      await Promise.all(sessions.map((session) => session.close()));
    },
  };
}

export type CarrierLinks = ReturnType<typeof createCarrierLinks>;
