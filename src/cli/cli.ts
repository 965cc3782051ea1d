import { parseArgs } from 'node:util';
import { type Config, ConfigError, loadConfig } from '../config.js';
import { type Container, createContainer } from '../container.js';
import { migrateToLatest } from '../platform/db/migrations.js';
import { createLogger } from '../platform/logger.js';

/** A mistake of the person at the keyboard: printed as one line, exit code 1, no stack trace. */
export class CliError extends Error {}

export type Flags = Record<string, string | boolean | string[] | undefined>;
export type OptionSpec = Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }>;

export interface CommandContext {
  flags: Flags;
  config: Config;
  /** Opens the database (migrated) and the services; closed by the dispatcher after the command. */
  container(): Promise<Container>;
  print(human: string, json: unknown): void;
  /** Words after the options, for commands that declare `positionals`. */
  positionals: string[];
}

export interface Command {
  summary: string;
  usage: string;
  options: OptionSpec;
  /** How many bare words the command takes after its name (none unless set). */
  positionals?: number;
  run(context: CommandContext): Promise<void>;
}

export function requireString(flags: Flags, name: string): string {
  const value = flags[name];
  if (typeof value !== 'string' || value.trim() === '') throw new CliError(`--${name} is required`);
  return value;
}

export function optionalString(flags: Flags, name: string): string | undefined {
  const value = flags[name];
  return typeof value === 'string' ? value : undefined;
}

export function stringList(flags: Flags, name: string): string[] {
  const value = flags[name];
  return Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
}

/** Parses and runs one command line; returns the process exit code. */
export async function runCommandLine(
  argv: string[],
  commands: Record<string, Command>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const names = Object.keys(commands);
  const words = argv.filter((a) => !a.startsWith('-'));
  const name = [words.slice(0, 2).join(' '), words[0] ?? ''].find((candidate) => names.includes(candidate));
  if (!name || argv.includes('--help') || argv.includes('-h')) {
    printHelp(commands);
    return name || argv.includes('--help') || argv.includes('-h') || argv.length === 0 ? 0 : 2;
  }
  const command = commands[name]!;
  const rest = argv.slice(argv.indexOf(name.split(' ').at(-1)!) + 1);

  let container: Container | undefined;
  try {
    const { values, positionals } = parseArgs({
      args: rest,
      options: { ...command.options, json: { type: 'boolean' } },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length > (command.positionals ?? 0)) {
      const extra = positionals[command.positionals ?? 0];
      throw new CliError(`unexpected argument "${extra}"; usage: ${command.usage}`);
    }
    const config = loadConfig(env);
    const json = values.json === true;
    await command.run({
      flags: values as Flags,
      config,
      container: async () => {
        if (!container) {
          container = createContainer({ config, logger: createLogger(env.LOG_LEVEL ?? 'warn') });
          await migrateToLatest(container.database.db);
        }
        return container;
      },
      print: (human, data) => console.log(json ? JSON.stringify(data, null, 2) : human),
      positionals,
    });
    return 0;
  } catch (error) {
    console.error(`stratus: ${describe(error)}`);
    return 1;
  } finally {
    await container?.close();
  }
}

function describe(error: unknown): string {
  if (error instanceof CliError || error instanceof ConfigError) return error.message;
  const code = (error as { code?: string }).code;
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    return (error as Error).message.split('. ')[0]!;
  }
  if (code === 'ECONNREFUSED') return 'the database is unreachable (check DATABASE_URL)';
  return (error as Error).message ?? String(error);
}

function printHelp(commands: Record<string, Command>): void {
  const lines = ['Usage: stratus <command> [options] [--json]', '', 'Commands:'];
  for (const command of Object.values(commands)) lines.push(`  ${command.usage.padEnd(78)} ${command.summary}`);
  console.log(lines.join('\n'));
}
