import { type Clock, systemClock } from '../../platform/clock.js';
import type { Logger } from '../../platform/logger.js';
import { TransientCarrierError } from './carrier.errors.js';
import type { CarrierRoute } from './carrier.routes-table.js';
import type { LinkLeases } from './link-leases.js';
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
 * One bind per route per process: several worker processes each bind every route, which is what most SMSCs allow.
 * A route marked `exclusive=true` (for an SMSC that allows one bind per system_id) is bound only by the process
 * holding its lease (link-leases.ts): every lease round (CARRIER_LEASE_RENEW_MS) takes or renews the leases of the
 * exclusive routes, binds the routes won and closes the binds of the routes lost. A send on an exclusive route held
 * by another process fails transient with `route_held_elsewhere`: the messages.send job defers itself without
 * spending an attempt and runs again shortly, here (once this process holds the route) or on the holder.
 */
export const ENV_ROUTE_ID = 'env';
export const SIMULATOR_ROUTE_ID = 'simulator';
/** How long the route table is trusted before it is read again. */
export const ROUTE_RELOAD_MS = 5000;

export interface ResolvedRoute {
  id: string;
  url: string;
  /** `exclusive=true` in the URL: bound only by the process holding the route's lease. */
  exclusive: boolean;
}

export interface LinkStatus {
  routeId: string;
  url: string;
  exclusive: boolean;
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
  /**
   * The lease keeper that decides which process binds each exclusive route. Without it this process takes itself
   * to be the only worker and binds exclusive routes like any other (single-process tests and tools).
   */
  leases?: LinkLeases;
  logger: Logger;
  clock?: Clock;
  reloadMs?: number;
}

interface Link {
  url: string;
  session: SmppSession;
}

/** The session options of a route URL: what it says minus the link manager's own policy (exclusive). */
function sessionOptionsOf(url: string): Omit<ReturnType<typeof parseRouteUrl>, 'exclusive'> {
  const { exclusive: _policy, ...sessionOptions } = parseRouteUrl(url);
  return sessionOptions;
}

/** A route that cannot be parsed is not exclusive here: opening its link reports the error, as before. */
function isExclusive(url: string): boolean {
  try {
    return parseRouteUrl(url).exclusive === true;
  } catch {
    return false;
  }
}

function toResolved(id: string, url: string): ResolvedRoute {
  return { id, url, exclusive: isExclusive(url) };
}

export function createCarrierLinks(options: CarrierLinksOptions) {
  const clock = options.clock ?? systemClock;
  const log = options.logger.child({ component: 'carrier-links' });
  const reloadMs = options.reloadMs ?? ROUTE_RELOAD_MS;
  const { leases } = options;
  const links = new Map<string, Link>();
  let fallbackUrl: string | undefined;
  let fallbackRoutes = buildFallbacks();
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
      const resolved = toResolved(route.id, route.url);
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

  function buildFallbacks(): ResolvedRoute[] {
    const list: ResolvedRoute[] = [];
    if (options.defaultUrl) list.push(toResolved(ENV_ROUTE_ID, options.defaultUrl));
    if (fallbackUrl) list.push(toResolved(SIMULATOR_ROUTE_ID, fallbackUrl));
    return list;
  }

  function everyRoute(routes: NonNullable<typeof table>): ResolvedRoute[] {
    return [
      ...routes.byNumber.values(),
      ...routes.byDepartment.values(),
      ...(routes.byDefault ? [routes.byDefault] : []),
      ...fallbackRoutes,
    ];
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
      ...sessionOptionsOf(route.url),
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
      fallbackRoutes[0]
    );
  }

  /** Sessions closing apart from close(), which waits for them before it gives the leases up. */
  const closing = new Set<Promise<void>>();

  /** Closes a route's link: its in-flight submits get their response timeout, then it unbinds. */
  function closeLink(routeId: string): Promise<void> {
    const link = links.get(routeId);
    if (!link) return Promise.resolve();
    links.delete(routeId);
    const done = link.session.close().finally(() => closing.delete(done));
    closing.add(done);
    return done;
  }

  // ── Leases of exclusive routes ──────────────────────────────────────────────────────────────────────────────

  let leaseRound: Promise<void> | undefined;
  let leaseTimer: NodeJS.Timeout | undefined;
  /** Routes no longer exclusive (or gone) whose bind is closing before their lease is given up. */
  const releasing = new Set<string>();

  /** One round: take or renew the lease of every exclusive route, bind those held, close those lost. */
  function refreshLeases(): Promise<void> {
    if (!leases || closed) return Promise.resolve();
    leaseRound ??= runLeaseRound(leases)
      .catch((error: unknown) => log.error({ err: error }, 'carrier lease round failed'))
      .finally(() => {
        leaseRound = undefined;
      });
    return leaseRound;
  }

  async function runLeaseRound(keeper: LinkLeases): Promise<void> {
    let routes: ResolvedRoute[];
    try {
      routes = everyRoute(await current());
    } catch (error) {
      log.warn({ err: error }, 'could not read the carrier routes for the lease round');
      return;
    }
    if (closed) return;
    const exclusive = routes.filter((route) => route.exclusive);
    for (const route of exclusive) {
      const wasHeld = keeper.holds(route.id);
      const held = await keeper.claim(route.id);
      if (closed) return;
      if (held) {
        if (!wasHeld) log.info({ routeId: route.id, holder: keeper.holder }, 'took the lease of an exclusive route');
        linkFor(route);
      } else if (links.has(route.id)) {
        log.warn({ routeId: route.id }, 'lost the lease of an exclusive route; closing its bind');
        void closeLink(route.id);
      }
    }
    // A route no longer exclusive (or removed): close the bind before giving the lease up, so no other process binds
    // while this one still is.
    const wanted = new Set(exclusive.map((route) => route.id));
    for (const routeId of keeper.held()) {
      if (wanted.has(routeId) || releasing.has(routeId)) continue;
      releasing.add(routeId);
      void closeLink(routeId)
        .then(() => keeper.release(routeId))
        .catch((error: unknown) => log.error({ err: error, routeId }, 'could not give a carrier route lease up'))
        .finally(() => releasing.delete(routeId));
    }
  }

  function scheduleLeaseRound(keeper: LinkLeases): void {
    if (closed) return;
    leaseTimer = setTimeout(() => {
      void refreshLeases().finally(() => scheduleLeaseRound(keeper));
    }, keeper.renewIntervalMs);
    leaseTimer.unref();
  }

  /** An exclusive route whose lease this process does not hold (another process binds it). */
  function heldElsewhere(route: ResolvedRoute): boolean {
    return route.exclusive && leases !== undefined && !leases.holds(route.id);
  }

  return {
    /** The built-in simulator's URL: the last resort when no other route matches. */
    setFallbackUrl(url: string | undefined): void {
      fallbackUrl = url;
      fallbackRoutes = buildFallbacks();
    },

    resolve,

    /**
     * Whether the route of a message from `from` (a number of `departmentId`) is exclusive and bound by another
     * worker process, so that a send here would be refused with `route_held_elsewhere`. Read from memory.
     */
    async isHeldElsewhere(target: { from: string; departmentId: string }): Promise<boolean> {
      const route = await resolve(target);
      return route !== undefined && heldElsewhere(route);
    },

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
      if (heldElsewhere(route)) {
        throw new TransientCarrierError(
          'route_held_elsewhere',
          `Carrier route ${route.id} is exclusive and this worker process does not hold its bind`,
        );
      }
      const { smscMessageIds } = await linkFor(route).submit(parts);
      return { routeId: route.id, smscMessageIds };
    },

    /**
     * Opens a link for every configured route, so inbound texts arrive before anything is sent; an exclusive route
     * only when this process takes its lease. Then keeps the leases: a round every CARRIER_LEASE_RENEW_MS.
     */
    async start(): Promise<void> {
      const routes = await current();
      for (const route of everyRoute(routes)) if (!route.exclusive || !leases) linkFor(route);
      if (!leases) return;
      await refreshLeases();
      clearTimeout(leaseTimer);
      scheduleLeaseRound(leases);
    },

    /** Runs a lease round now (tests; the timer runs them in service). */
    refreshLeases,

    /** The session of a route, when open (tests, status pages). */
    session(routeId: string): SmppSession | undefined {
      return links.get(routeId)?.session;
    },

    status(): LinkStatus[] {
      return [...links.entries()].map(([routeId, link]) => ({
        routeId,
        url: redactRouteUrl(link.url),
        exclusive: isExclusive(link.url),
        state: link.session.state,
        stats: link.session.stats,
      }));
    },

    /**
     * Closes every link: queued submits reject (transient), in-flight ones get their response timeout. Then gives
     * this process's leases up, once its binds are closed, so another process takes the exclusive routes over at its
     * next round instead of after the TTL.
     */
    async close(): Promise<void> {
      closed = true;
      clearTimeout(leaseTimer);
      await leaseRound;
      await Promise.all([...links.keys()].map(closeLink));
      await Promise.allSettled([...closing]);
      await leases?.releaseAll();
    },
  };
}

export type CarrierLinks = ReturnType<typeof createCarrierLinks>;
