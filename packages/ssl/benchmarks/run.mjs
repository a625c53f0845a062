// `pnpm bench` for @x/ssl: TLS echo over @x/ssl (Protocol and BufferedProtocol servers on
// the built package) against a raw node:tls echo server in the same run, with the shared
// harness's Node TLS load generator (../shared/bench/client/tls_client.js next to the
// repository): request/response with 10 connections at 1 KiB and 16 KiB, one-connection
// streaming, and full handshakes per second (8 parallel loops, no resumption). Each figure
// is printed with its ratio to raw node:tls, and the server's CPU per operation (user+sys
// from /proc/PID/stat): the load generator is itself a one-core Node TLS client and often
// the limit, so the CPU figure is the one to compare.
//
// Server pinned to CPU 0 and client to CPU 1 (taskset) when there are >= 2 CPUs.
// Certificate: ECDSA P-256, self-signed, generated with openssl into a temp dir.
// Before each measured cell, an unmeasured client run of PREWARM seconds lets V8 compile
// that cell's code paths in both servers: without it, a fresh handshake path's JIT work
// (a few hundred functions optimised in the first seconds) lands in the figures of the
// server with more JavaScript, while a long-running server pays it once.
// Knobs: DURATION [2] s per cell, WARMUP [0.5], PREWARM [1] s (0: none), REPS [2] rounds
// (median), SIZES ["1024 16384"], STREAM [1], HANDSHAKE [1].
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CLK_TCK,
  cpuTicks,
  median,
  pinning,
  startNodeServer,
} from '../../../benchmarks/harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../../..');
const client = resolve(repo, '../shared/bench/client/tls_client.js');
const DURATION = Number(process.env.DURATION ?? 2);
const WARMUP = Number(process.env.WARMUP ?? 0.5);
const REPS = Number(process.env.REPS ?? 2);
const PREWARM = Number(process.env.PREWARM ?? 1);
const SIZES = (process.env.SIZES ?? '1024 16384').split(/\s+/).filter(Boolean).map(Number);
const STREAM = process.env.STREAM !== '0';
const HANDSHAKE = process.env.HANDSHAKE !== '0';
const pin = pinning;

if (!existsSync(join(here, '../dist/index.js'))) {
  console.error('bench: build the package first (pnpm build)');
  process.exit(1);
}
if (!existsSync(client)) {
  console.error(`bench: the shared TLS load generator is missing (${client}); skipped`);
  process.exit(0);
}

const certDir = mkdtempSync(join(tmpdir(), 'x-ssl-bench-'));
const cert = join(certDir, 'cert.pem');
const key = join(certDir, 'key.pem');
execFileSync(
  'openssl',
  [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    key,
    '-out',
    cert,
    '-days',
    '2',
    '-subj',
    '/CN=localhost',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
  ],
  { stdio: 'ignore' },
);
const files = ['--port', '0', '--cert', cert, '--key', key];
const SERVERS = [
  ['node_tls', [join(here, 'node-tls-echo.mjs'), ...files]],
  ['ours_proto', [join(here, 'tls-echo-server.mjs'), ...files, '--mode', 'protocol']],
  ['ours_buf', [join(here, 'tls-echo-server.mjs'), ...files, '--mode', 'buffered']],
];

function runClient(port, cell, duration = DURATION, warmup = WARMUP) {
  const args = [
    client,
    '--port',
    String(port),
    '--duration',
    String(duration),
    '--warmup',
    String(warmup),
  ];
  if (cell.mode === 'rr') args.push('--mode', 'rr', '--conns', '10', '--size', String(cell.size));
  else if (cell.mode === 'stream') args.push('--mode', 'stream');
  else args.push('--mode', 'handshake', '--parallel', '8');
  const out = execFileSync(
    pin ? 'taskset' : process.execPath,
    pin ? ['-c', '1', process.execPath, ...args] : args,
    {
      encoding: 'utf8',
      timeout: (duration + warmup + 30) * 1000,
    },
  );
  return JSON.parse(out.trim().split('\n').pop());
}

const cells = [
  ...SIZES.map((size) => ({
    mode: 'rr',
    size,
    label: `rr ${size} B x10`,
    unit: 'msg/s',
    op: 'msg',
  })),
  ...(STREAM ? [{ mode: 'stream', label: 'stream 1 conn', unit: 'MiB/s', op: 'MiB' }] : []),
  ...(HANDSHAKE ? [{ mode: 'handshake', label: 'handshakes x8', unit: 'conn/s', op: 'conn' }] : []),
];
console.log(
  `load generator: shared tls_client.js; ${REPS} round(s) x ${DURATION} s per cell after ${PREWARM} s unmeasured; pinning ${pin ? 'on' : 'off'}`,
);
const results = new Map();
try {
  for (let round = 0; round < REPS; round++) {
    for (const [name, args] of SERVERS) {
      const { child, port } = await startNodeServer(args);
      try {
        for (const cell of cells) {
          if (PREWARM > 0) runClient(port, cell, PREWARM, 0);
          const before = cpuTicks(child.pid);
          const r = runClient(port, cell);
          const ticks = cpuTicks(child.pid) - before;
          const rate =
            cell.mode === 'rr'
              ? r.msgs_per_s
              : cell.mode === 'stream'
                ? r.mib_per_s
                : r.handshakes_per_s;
          // Server CPU covers warmup too: divide by every operation the client made.
          const units =
            cell.mode === 'rr'
              ? r.ops_total
              : cell.mode === 'stream'
                ? r.bytes_total / 1048576
                : r.ops_total;
          const key = `${name}|${cell.label}`;
          if (!results.has(key)) results.set(key, []);
          results
            .get(key)
            .push({ rate, cpuPerUnit: ((ticks / CLK_TCK) * 1e6) / Math.max(units, 1) });
        }
      } finally {
        process.kill(child.pid, 'SIGTERM');
        await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
      }
    }
  }
} finally {
  rmSync(certDir, { recursive: true, force: true });
}

const fmt = (x) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
console.log(
  '\n| cell | node_tls | ours_proto | ours_buf | server CPU µs/op node_tls / proto / buf | CPU ratio proto / buf |',
);
console.log('|---|---|---|---|---|---|');
for (const cell of cells) {
  const get = (name) => results.get(`${name}|${cell.label}`) ?? [];
  const base = median(get('node_tls').map((r) => r.rate));
  const col = (name) => {
    const rate = median(get(name).map((r) => r.rate));
    return `${fmt(rate)} ${cell.unit} (${(rate / base).toFixed(2)}x)`;
  };
  const cpu = Object.fromEntries(
    SERVERS.map(([n]) => [n, median(get(n).map((r) => r.cpuPerUnit))]),
  );
  const cpuRatio = (n) => (cpu.node_tls / cpu[n]).toFixed(2);
  console.log(
    `| ${cell.label} | ${fmt(base)} ${cell.unit} | ${col('ours_proto')} | ${col('ours_buf')} | ` +
      `${fmt(cpu.node_tls)} / ${fmt(cpu.ours_proto)} / ${fmt(cpu.ours_buf)} | ${cpuRatio('ours_proto')}x / ${cpuRatio('ours_buf')}x |`,
  );
}
console.log(
  '\nratios: ours / raw node:tls in this run (higher is better); CPU ratio = node_tls CPU per op / ours (>1: ours cheaper).',
);
