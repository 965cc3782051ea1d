/**
 * Benchmark: the accept path alone. `stratus serve --role api` (no workers, so nothing competes with it) takes
 * HTTP `POST /message/sendsms` with a real token; each answer comes after the message, its send job and its event
 * committed. Prints accepted messages/s and p50/p99 latency (autocannon, after a 2 s warm-up).
 *
 *   npx tsx bench/messages-accept.ts                   (SQLite)
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npx tsx bench/messages-accept.ts
 *       (a fresh database is created beside the one named, and dropped afterwards)
 *   DURATION=10 CONNECTIONS=50 npx tsx bench/messages-accept.ts
 */
import { sendsmsLoad, startBenchServer } from './server.js';

const duration = Number(process.env.DURATION ?? 10);
const connections = Number(process.env.CONNECTIONS ?? 50);

const server = await startBenchServer({}, 'api');
try {
  const load = (seconds: number, label: string) => sendsmsLoad(server, { label, connections, seconds });
  await load(2, 'warm-up');
  const result = await load(duration, 'accept');
  console.log(
    `accept path on ${server.dialect} (serve --role api, ${connections} connections, ${duration} s)\n` +
      `  accepted: ${Math.round(result.requests.average)} msg/s (${result['2xx']} answered 200, ${result.non2xx} not)\n` +
      `  latency:  p50 ${result.latency.p50} ms   p99 ${result.latency.p99} ms`,
  );
} finally {
  await server.stop();
}
