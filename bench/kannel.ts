/**
 * Reference peer: Kannel (HTTP sendsms on smsbox → bearerbox → SMPP) against our SMSC simulator on this machine,
 * with the same window (10) as our own end-to-end benchmark (bench/messages-e2e.ts).
 * Needs Debian's kannel package: `apt-get install kannel` (bearerbox and smsbox in /usr/sbin).
 *
 * It sends COUNT (5000) texts through `GET /cgi-bin/sendsms` with CONCURRENCY (50) requests in flight, asks for
 * delivery reports (dlr-mask=1, posted back to a local HTTP counter), and prints accepted/s, submit_sm/s seen at
 * the simulator and delivered/s (receipts back at Kannel and reported to the dlr-url).
 *
 *   npm run bench:kannel
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSmscSimulator } from '../src/features/carrier/simulator.js';
import { freePort } from '../test/harness/processes.js';

const count = Number(process.env.COUNT ?? 5000);
const concurrency = Number(process.env.CONCURRENCY ?? 50);
const window = Number(process.env.WINDOW ?? 10);

const simulator = await startSmscSimulator({ receiptDelayMs: 10 });
const dir = mkdtempSync(join(tmpdir(), 'stratus-kannel-'));
const [adminPort, smsboxPort, sendsmsPort, dlrPort] = [
  await freePort(),
  await freePort(),
  await freePort(),
  await freePort(),
];

let delivered = 0;
let lastDelivered = 0;
const dlrServer = createServer((request, response) => {
  if (request.url?.includes('status=1')) {
    delivered++;
    lastDelivered = performance.now();
  }
  response.end('ok');
});
await new Promise<void>((resolve) => dlrServer.listen(dlrPort, '127.0.0.1', resolve));

const config = join(dir, 'kannel.conf');
writeFileSync(
  config,
  `group = core
admin-port = ${adminPort}
admin-password = bench
smsbox-port = ${smsboxPort}
box-allow-ip = 127.0.0.1
log-level = 4
log-file = "${join(dir, 'bearerbox.log')}"

group = smsc
smsc = smpp
smsc-id = simulator
host = 127.0.0.1
port = ${simulator.port}
transceiver-mode = true
smsc-username = bench
smsc-password = bench
max-pending-submits = ${window}
system-type = ""
msg-id-type = 0x00

group = smsbox
bearerbox-host = 127.0.0.1
sendsms-port = ${sendsmsPort}
log-level = 4
log-file = "${join(dir, 'smsbox.log')}"

group = sendsms-user
username = bench
password = bench
max-messages = 10
concatenation = true
`,
);

const bearerbox = spawn('/usr/sbin/bearerbox', [config], { stdio: 'ignore' });
await new Promise((resolve) => setTimeout(resolve, 1500));
const smsbox = spawn('/usr/sbin/smsbox', [config], { stdio: 'ignore' });

async function waitFor(condition: () => boolean, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

try {
  await waitFor(() => simulator.sessionCount > 0, 15_000, 'Kannel to bind');
  const sendUrl = (i: number) => {
    const to = `+1212${String(3_000_000 + i).padStart(7, '0')}`;
    const dlrUrl = `http://127.0.0.1:${dlrPort}/dlr?status=%d&id=${i}`;
    return (
      `http://127.0.0.1:${sendsmsPort}/cgi-bin/sendsms?username=bench&password=bench&from=%2B12025550100` +
      `&to=${encodeURIComponent(to)}&text=${encodeURIComponent(`Benchmark message ${i}`)}` +
      `&dlr-mask=1&dlr-url=${encodeURIComponent(dlrUrl)}`
    );
  };
  for (let attempt = 0; ; attempt++) {
    const probe = await fetch(sendUrl(count + attempt)).catch(() => null);
    if (probe?.status === 202) break;
    if (attempt > 100) throw new Error('smsbox did not accept a message');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await waitFor(() => delivered >= 1, 15_000, 'the first delivery report');
  const before = simulator.submitted.length;
  delivered = 0;

  let next = 0;
  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const t = performance.now();
        const response = await fetch(sendUrl(i));
        await response.arrayBuffer();
        if (response.status !== 202) throw new Error(`sendsms answered ${response.status}`);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const accepted = performance.now();
  await waitFor(() => simulator.submitted.length - before >= count, 120_000, 'every submit_sm');
  const submitted = performance.now();
  await waitFor(() => delivered >= count, 120_000, 'every delivery report');

  latencies.sort((a, b) => a - b);
  const rate = (ms: number) => Math.round(count / ((ms - started) / 1000));
  console.log(`Kannel ${count} messages, ${concurrency} HTTP clients, SMPP window ${window}`);
  console.log(
    `  accepted:   ${rate(accepted)} msg/s (p50 ${latencies[Math.floor(count / 2)]!.toFixed(1)} ms, p99 ${latencies[Math.floor(count * 0.99)]!.toFixed(1)} ms)`,
  );
  console.log(`  submit_sm:  ${rate(submitted)} msg/s`);
  console.log(`  delivered:  ${rate(lastDelivered)} msg/s (end to end, delivery reports back at the dlr-url)`);
} finally {
  smsbox.kill('SIGTERM');
  bearerbox.kill('SIGTERM');
  dlrServer.close();
  await simulator.close();
}
