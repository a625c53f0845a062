#!/usr/bin/env node
/**
 * `pnpm bench` for @x/udp (needs `pnpm build`; turbo builds first). Everything on 127.0.0.1.
 *
 * 1. Datagram echo rate, 64 B and 1 KiB: the C load generator of the shared harness
 *    (`udp_client.c`, compiled with gcc into a temp dir; UDP_CLIENT_SRC overrides its path)
 *    in its own process keeps INFLIGHT datagrams outstanding against
 *    `raw-dgram-echo-server.mjs` (raw node:dgram, the baseline) and `udp-echo-server.mjs`
 *    (@x/udp), ROUNDS interleaved rounds, each server restarted per round. Servers on CPU 0,
 *    client on CPU 1 when `taskset` and 2+ CPUs exist. Reports replies/s and server CPU
 *    per reply (from /proc/PID/stat), medians, as ratios to raw node:dgram.
 * 2. Send throughput, 1 KiB: `send-throughput.mjs` sends COUNT datagrams to a sink socket
 *    in this process, raw `socket.send()` vs `transport.sendto()` with flow control.
 *
 * Before each measured echo cell an unmeasured client run of PREWARM seconds lets V8 compile
 * the server's hot paths; the measured run then starts at once, so the server CPU read
 * around it belongs to exactly the replies it counts.
 *
 * Knobs: ROUNDS [3], DURATION [2] s, PREWARM [1] s (0: none), INFLIGHT [32], COUNT [200000].
 * Prints markdown; writes JSON to benchmarks/results/udp-<timestamp>.json.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuTicks, median } from '../../../benchmarks/harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../../..');
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const DURATION = Number(process.env.DURATION ?? 2);
const PREWARM = Number(process.env.PREWARM ?? 1);
const INFLIGHT = Number(process.env.INFLIGHT ?? 32);
const COUNT = Number(process.env.COUNT ?? 200_000);
const SIZES = [64, 1024];
const IMPLS = { raw_dgram: 'raw-dgram-echo-server.mjs', x_udp: 'udp-echo-server.mjs' };
const HZ = 100; // USER_HZ: /proc/PID/stat clock ticks per second on Linux

const pin =
  cpus().length >= 2 && spawnSync('taskset', ['-V']).status === 0
    ? (cpu, argv) => ['taskset', ['-c', String(cpu), ...argv]]
    : (_cpu, argv) => [argv[0], argv.slice(1)];

function buildClient() {
  const src =
    process.env.UDP_CLIENT_SRC ?? join(repo, '..', 'shared', 'bench', 'client', 'udp_client.c');
  if (!existsSync(src)) return [null, `no load generator source at ${src} (set UDP_CLIENT_SRC)`];
  const dir = join(tmpdir(), 'x-udp-bench');
  mkdirSync(dir, { recursive: true });
  const out = join(dir, 'udp_client');
  const cc = spawnSync(process.env.CC ?? 'gcc', ['-O2', '-o', out, src], { encoding: 'utf8' });
  if (cc.status !== 0) return [null, `gcc failed: ${cc.stderr || cc.error}`];
  return [out, null];
}

function freePort() {
  return new Promise((ok) => {
    const s = createSocket('udp4');
    s.bind(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

/** Starts a server script pinned to CPU 0; resolves once it printed its ready line. */
function startServer(script, port) {
  const [cmd, args] = pin(0, [process.execPath, join(here, script), '--port', String(port)]);
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((ok, fail) => {
    child.once('exit', (code) => fail(new Error(`${script} exited (${code}) during start-up`)));
    child.stdout.setEncoding('utf8').on('data', (text) => {
      if (text.includes('listening')) ok(child);
    });
  });
}

function stopServer(child) {
  return new Promise((ok) => {
    if (child.exitCode !== null || child.signalCode !== null) return ok();
    child.removeAllListeners('exit');
    child.once('exit', () => ok());
    process.kill(child.pid, 'SIGTERM');
  });
}

function runClient(client, port, size, duration = DURATION) {
  const [cmd, args] = pin(1, [
    client,
    '--port',
    String(port),
    '--size',
    String(size),
    '--inflight',
    String(INFLIGHT),
    '--duration',
    String(duration),
    '--warmup',
    '0',
  ]);
  return JSON.parse(execFileSync(cmd, args, { encoding: 'utf8', timeout: (duration + 15) * 1000 }));
}

const fmt = (x, digits = 0) =>
  Number.isFinite(x)
    ? x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : 'n/a';
const ratio = (x, base) => (Number.isFinite(x) && base > 0 ? ` (${(x / base).toFixed(2)}x)` : '');

async function echoBench(client) {
  const rows = []; // { impl, size, replies_per_s, cpu_us_per_op, lost }
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [impl, script] of Object.entries(IMPLS)) {
      const port = await freePort();
      const server = await startServer(script, port);
      try {
        const probe = spawnSync(client, ['--mode', 'probe', '--port', String(port)]);
        if (probe.status !== 0) throw new Error(`${impl} did not echo the probe`);
        for (const size of SIZES) {
          if (PREWARM > 0) runClient(client, port, size, PREWARM);
          const t0 = cpuTicks(server.pid);
          const r = runClient(client, port, size);
          const ticks = cpuTicks(server.pid) - t0;
          const cpuUs = ((ticks / HZ) * 1e6) / Math.max(1, r.replies);
          rows.push({
            impl,
            round,
            size,
            replies_per_s: r.replies_per_s,
            cpu_us_per_op: cpuUs,
            lost: r.lost,
          });
          process.stderr.write(
            `round ${round} ${impl} ${size} B: ${fmt(r.replies_per_s)} replies/s, ${cpuUs.toFixed(2)} us/op\n`,
          );
        }
      } finally {
        await stopServer(server);
      }
    }
  }
  return rows;
}

async function sendBench() {
  const sink = createSocket('udp4');
  sink.on('message', () => {});
  await new Promise((ok) => sink.bind(0, '127.0.0.1', ok));
  const port = sink.address().port;
  const rows = [];
  for (let round = 1; round <= ROUNDS; round++) {
    for (const impl of ['raw', 'x_udp']) {
      const out = await new Promise((ok, fail) => {
        const child = spawn(
          process.execPath,
          [
            join(here, 'send-throughput.mjs'),
            '--impl',
            impl,
            '--port',
            String(port),
            '--count',
            String(COUNT),
          ],
          { stdio: ['ignore', 'pipe', 'inherit'] },
        );
        let text = '';
        child.stdout.setEncoding('utf8').on('data', (t) => {
          text += t;
        });
        child.once('exit', (code) =>
          code === 0 ? ok(text) : fail(new Error(`send-throughput ${impl} exited ${code}`)),
        );
      });
      rows.push({ round, ...JSON.parse(out) });
    }
  }
  sink.close();
  return rows;
}

const [client, why] = buildClient();
const result = {
  date: new Date().toISOString(),
  node: process.version,
  rounds: ROUNDS,
  inflight: INFLIGHT,
};
const lines = [`## @x/udp vs raw node:dgram (${process.version}, medians of ${ROUNDS} rounds)`, ''];
if (client === null) {
  lines.push(`Echo rate skipped: ${why}.`, '');
} else {
  const echo = await echoBench(client);
  result.echo = echo;
  lines.push(
    `Echo: C load generator, ${INFLIGHT} datagrams in flight; (x) = ratio to raw node:dgram.`,
    '',
  );
  lines.push('| measure | raw node:dgram | @x/udp |', '|---|---:|---:|');
  for (const size of SIZES) {
    const m = (impl, key) =>
      median(echo.filter((r) => r.impl === impl && r.size === size).map((r) => r[key]));
    const [rr, xr] = [m('raw_dgram', 'replies_per_s'), m('x_udp', 'replies_per_s')];
    const [rc, xc] = [m('raw_dgram', 'cpu_us_per_op'), m('x_udp', 'cpu_us_per_op')];
    lines.push(`| ${size} B echo, replies/s | ${fmt(rr)} | ${fmt(xr)}${ratio(xr, rr)} |`);
    lines.push(
      `| ${size} B echo, server CPU us/reply | ${fmt(rc, 2)} | ${fmt(xc, 2)}${ratio(xc, rc)} |`,
    );
  }
}
const sends = await sendBench();
result.send = sends;
const s = (impl, key) => median(sends.filter((r) => r.impl === impl).map((r) => r[key]));
if (client === null) lines.push('| measure | raw node:dgram | @x/udp |', '|---|---:|---:|');
lines.push(
  `| 1 KiB send, datagrams/s | ${fmt(s('raw', 'datagrams_per_s'))} | ${fmt(s('x_udp', 'datagrams_per_s'))}${ratio(s('x_udp', 'datagrams_per_s'), s('raw', 'datagrams_per_s'))} |`,
  `| 1 KiB send, MiB/s | ${fmt(s('raw', 'mib_per_s'), 1)} | ${fmt(s('x_udp', 'mib_per_s'), 1)}${ratio(s('x_udp', 'mib_per_s'), s('raw', 'mib_per_s'))} |`,
);
console.log(lines.join('\n'));
const dir = join(here, 'results');
mkdirSync(dir, { recursive: true });
writeFileSync(
  join(dir, `udp-${result.date.replace(/[:.]/g, '-')}.json`),
  `${JSON.stringify(result, null, 2)}\n`,
);
