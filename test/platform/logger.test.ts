import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/platform/logger.js';

/** A logger whose lines are kept, parsed. */
function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger('info', destination), lines };
}

describe('logger', () => {
  it('logs an error as type, message and stack only: a driver error’s fields never reach the log', () => {
    const { logger, lines } = capturingLogger();
    // What node-postgres attaches to a failed statement: the values it carried.
    const error = Object.assign(new Error('duplicate key value violates unique constraint'), {
      detail: 'Key (mobile_number)=(+12025550143) already exists.',
      parameters: ['+12025550143', 'secret text'],
    });
    logger.error({ err: error }, 'insert failed');
    logger.child({ component: 'child' }).warn({ err: 'a thrown string' }, 'odd failure');

    expect(lines[0]!.err).toEqual({ type: 'Error', message: error.message, stack: error.stack });
    expect(JSON.stringify(lines)).not.toContain('+12025550143');
    expect(lines[1]!.err).toEqual({ type: 'string', message: 'a thrown string' });
  });

  it('redacts secrets wherever they appear', () => {
    const { logger, lines } = capturingLogger();
    logger.info({ client: { clientSecret: 'shh', apiKey: 'key' } }, 'client created');
    expect(lines[0]!.client).toEqual({ clientSecret: '[redacted]', apiKey: '[redacted]' });
  });
});
