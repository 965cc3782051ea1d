import type { RouteKind } from '../features/carrier/carrier.routes-table.js';
import { readSimulatorInfo, startEmbeddedSimulator } from '../features/carrier/embedded-simulator.js';
import { createLogger } from '../platform/logger.js';
import { normalizePhoneNumber } from '../platform/phone.js';
import { CliError, type Command, optionalString, requireString } from './cli.js';
import { orFail, resolveOrg } from './commands.js';

const iso = (ms: number) => new Date(ms).toISOString();

/** Carrier routes, the built-in SMSC simulator, and texts "from a handset" for demos. */
export const messageCommands: Record<string, Command> = {
  'route add': {
    summary: 'Add a carrier route (SMPP URL) for a number, a department, or as the default',
    usage:
      'route add --number NUMBER|--department DEPT [--org ORG]|--default smpp://user:password@host:port?window=&tps=',
    options: {
      number: { type: 'string' },
      department: { type: 'string' },
      org: { type: 'string' },
      default: { type: 'boolean' },
      url: { type: 'string' },
    },
    positionals: 1,
    async run({ flags, positionals, container, print }) {
      const url = optionalString(flags, 'url') ?? positionals[0];
      if (!url) throw new CliError('the SMPP URL is required (smpp://system_id:password@host:port)');
      const chosen = ['number', 'department', 'default'].filter((name) => flags[name] !== undefined);
      if (chosen.length !== 1) throw new CliError('give exactly one of --number, --department, --default');
      const kind = chosen[0] as RouteKind;
      const services = await container();
      let match = '';
      if (kind === 'number') {
        const raw = requireString(flags, 'number');
        const number = normalizePhoneNumber(raw, services.config.defaultRegion);
        if (!number) throw new CliError(`not a valid phone number: ${raw}`);
        match = number;
      } else if (kind === 'department') {
        match = await resolveDepartmentId(services, requireString(flags, 'department'), optionalString(flags, 'org'));
      }
      const route = orFail(await services.carrierRoutes.add({ kind, match, url }));
      const target = kind === 'default' ? 'default route' : `${kind} ${match}`;
      print(`route ${route.id}: ${target} → ${route.redactedUrl}`, {
        id: route.id,
        kind,
        match,
        url: route.redactedUrl,
        updatedDateTime: iso(route.updatedAt),
      });
    },
  },

  'route list': {
    summary: 'List the carrier routes (passwords hidden)',
    usage: 'route list',
    options: {},
    async run({ container, print }) {
      const services = await container();
      const routes = await services.carrierRoutes.list();
      const fallback = services.config.smppUrl ? 'SMPP_URL' : 'the built-in simulator (no SMPP_URL; started by serve)';
      print(
        [
          ...routes.map((r) => `${r.id}  ${r.kind.padEnd(10)} ${(r.match || '*').padEnd(26)} ${r.redactedUrl}`),
          `after these: ${fallback}`,
        ].join('\n'),
        routes.map((r) => ({ id: r.id, kind: r.kind, match: r.match, url: r.redactedUrl })),
      );
    },
  },

  'route remove': {
    summary: 'Remove a carrier route',
    usage: 'route remove --id ROUTE_ID',
    options: { id: { type: 'string' } },
    async run({ flags, container, print }) {
      const services = await container();
      const id = requireString(flags, 'id');
      if (!(await services.carrierRoutes.remove(id))) throw new CliError(`unknown route "${id}"`);
      print(`route ${id} removed`, { id, removed: true });
    },
  },

  'smsc-sim': {
    summary: 'Run the built-in SMSC simulator (an SMPP server) with its HTTP control endpoint',
    usage: 'smsc-sim [--port 2775] [--control-port PORT] [--receipt-delay-ms 50] [--system-id ID --password PW]',
    options: {
      port: { type: 'string' },
      'control-port': { type: 'string' },
      'receipt-delay-ms': { type: 'string' },
      'system-id': { type: 'string' },
      password: { type: 'string' },
    },
    async run({ flags, config, print }) {
      const port = portFlag(flags, 'port', 2775);
      const controlPort = portFlag(flags, 'control-port', port === 0 ? 0 : port + 1);
      const receiptDelayMs = Number(optionalString(flags, 'receipt-delay-ms') ?? 50);
      if (!Number.isInteger(receiptDelayMs) || receiptDelayMs < 0) {
        throw new CliError('--receipt-delay-ms must be a whole number');
      }
      const systemId = optionalString(flags, 'system-id');
      const password = optionalString(flags, 'password');
      if ((systemId === undefined) !== (password === undefined)) {
        throw new CliError('give both --system-id and --password, or neither');
      }
      const embedded = await startEmbeddedSimulator({
        dataDir: config.dataDir,
        port,
        controlPort,
        logger: createLogger(process.env.LOG_LEVEL ?? 'info'),
        simulator: {
          receiptDelayMs,
          ...(systemId && password !== undefined ? { credentials: { systemId, password } } : {}),
        },
      });
      print(
        [
          `SMSC simulator listening on smpp://127.0.0.1:${embedded.info.smppPort}`,
          `  control: ${embedded.info.controlUrl} (POST /inbound {from,to,text}, POST /faults, GET /submits)`,
          `  route:   ${embedded.info.smppUrl}`,
        ].join('\n'),
        embedded.info,
      );
      await new Promise<void>((resolve) => {
        process.once('SIGTERM', resolve);
        process.once('SIGINT', resolve);
      });
      await embedded.close();
    },
  },

  'simulate inbound': {
    summary: 'Send a text "from a handset" through the SMSC simulator to the platform',
    usage: 'simulate inbound --from NUMBER --to NUMBER --text TEXT [--control URL]',
    options: {
      from: { type: 'string' },
      to: { type: 'string' },
      text: { type: 'string' },
      control: { type: 'string' },
    },
    async run({ flags, config, print }) {
      const from = requireString(flags, 'from');
      const to = requireString(flags, 'to');
      const text = flags.text;
      if (typeof text !== 'string') throw new CliError('--text is required');
      const control = optionalString(flags, 'control') ?? readSimulatorInfo(config.dataDir)?.controlUrl;
      if (!control) {
        throw new CliError(
          `no simulator found in ${config.dataDir} (start \`stratus serve\` without SMPP_URL, or \`stratus smsc-sim\`), or pass --control URL`,
        );
      }
      const normalize = (raw: string) => normalizePhoneNumber(raw, config.defaultRegion) ?? raw;
      let response: Response;
      try {
        response = await fetch(`${control.replace(/\/+$/, '')}/inbound`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ from: normalize(from), to: normalize(to), text }),
        });
      } catch {
        throw new CliError(`the simulator control endpoint ${control} does not answer (is the simulator running?)`);
      }
      if (response.status !== 202)
        throw new CliError(`the simulator answered ${response.status}: ${await response.text()}`);
      print(`inbound text from ${normalize(from)} to ${normalize(to)} handed to the simulator`, {
        accepted: true,
        from: normalize(from),
        to: normalize(to),
      });
    },
  },
};

function portFlag(flags: Record<string, unknown>, name: string, fallback: number): number {
  const raw = flags[name];
  if (raw === undefined) return fallback;
  if (typeof raw !== 'string' || !/^\d+$/.test(raw) || Number(raw) > 65535) {
    throw new CliError(`--${name} must be a port number (0–65535)`);
  }
  return Number(raw);
}

/** `--department` takes an id, or a name within `--org`. */
async function resolveDepartmentId(
  services: Awaited<ReturnType<Parameters<Command['run']>[0]['container']>>,
  idOrName: string,
  orgIdOrName: string | undefined,
): Promise<string> {
  const organizations = orgIdOrName
    ? [await resolveOrg(services, orgIdOrName)]
    : await services.accounts.listOrganizations();
  const matches = [];
  for (const organization of organizations) {
    for (const department of await services.sites.listDepartments(organization.id)) {
      if (department.id === idOrName || (orgIdOrName && department.name === idOrName)) matches.push(department);
    }
  }
  if (matches.length === 1) return matches[0]!.id;
  if (matches.length > 1) throw new CliError(`several departments are named "${idOrName}"; give its id`);
  throw new CliError(
    orgIdOrName
      ? `unknown department "${idOrName}"`
      : `unknown department id "${idOrName}" (or give --org with a name)`,
  );
}
