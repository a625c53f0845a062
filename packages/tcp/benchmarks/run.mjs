// `pnpm bench` for @x/tcp: echo request/response with 10 connections at 64 B, 1 KiB,
// 16 KiB and 128 KiB, and one-connection streaming, for a Protocol and a
// BufferedProtocol server on the built package (dist), each printed as a ratio to a
// raw node:net echo server measured in the same run with the same load generator.
//
// Load generator: the C client of the shared harness (../shared/bench/client/echo_client.c
// next to the repository), built with gcc into a temp dir; without gcc or that file,
// load-generator.mjs in its own process. Server pinned to CPU 0 and client to CPU 1
// with taskset when there are >= 2 CPUs. Server CPU per message (user + sys from
// /proc/PID/stat) is printed too: on a noisy machine it is the steadier figure.
//
// Before each measured cell an unmeasured client run of PREWARM seconds lets V8 compile
// the server's hot paths (as the ssl bench does); the measured run then starts at once, so
// the server CPU read around it belongs to exactly the messages it counts.
//
// Knobs: DURATION [2] seconds per cell, PREWARM [1] (0: none), REPS [2] rounds (median),
// SIZES ["64 1024 16384 131072"], STREAM [1].
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
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
const sharedBench = resolve(repo, '../shared/bench');
const DURATION = Number(process.env.DURATION ?? 2);
const PREWARM = Number(process.env.PREWARM ?? 1);
const REPS = Number(process.env.REPS ?? 2);
const SIZES = (process.env.SIZES ?? '64 1024 16384 131072')
  .split(/\s+/)
  .filter(Boolean)
  .map(Number);
const STREAM = process.env.STREAM !== '0';
const pin = pinning;

if (!existsSync(join(here, '../dist/index.js'))) {
  console.error('bench: build the package first (pnpm build)');
  process.exit(1);
}

/** The load generator: the C client if it can be built, else the Node one. */
function loadGenerator() {
  const source = join(sharedBench, 'client/echo_client.c');
  if (existsSync(source) && spawnSync('gcc', ['--version']).status === 0) {
    const out = join(mkdtempSync(join(tmpdir(), 'x-tcp-bench-')), 'echo_client');
    execFileSync('gcc', ['-O2', '-o', out, source]);
    return { name: 'C echo_client (shared/bench)', command: out, args: [] };
  }
  return {
    name: 'Node load-generator.mjs',
    command: process.execPath,
    args: [join(here, 'load-generator.mjs')],
  };
}

const SERVERS = [
  ['node_net', [join(here, 'node-net-echo.mjs'), '0']],
  ['ours_proto', [join(here, 'tcp-echo-server.mjs'), '--port', '0', '--mode', 'protocol']],
  ['ours_buf', [join(here, 'tcp-echo-server.mjs'), '--port', '0', '--mode', 'buffered']],
];

function runClient(gen, port, cell, duration = DURATION) {
  const args = [
    ...gen.args,
    '--port',
    String(port),
    '--duration',
    String(duration),
    '--warmup',
    '0',
  ];
  if (cell.mode === 'rr') args.push('--mode', 'rr', '--conns', '10', '--size', String(cell.size));
  else args.push('--mode', 'stream');
  const cmd = pin ? 'taskset' : gen.command;
  const argv = pin ? ['-c', '1', gen.command, ...args] : args;
  const out = execFileSync(cmd, argv, {
    encoding: 'utf8',
    timeout: (duration + 30) * 1000,
  });
  return JSON.parse(out.trim().split('\n').pop());
}

const cells = [
  ...SIZES.map((size) => ({ mode: 'rr', size, label: `rr ${size} B x10` })),
  ...(STREAM ? [{ mode: 'stream', label: 'stream 1 conn' }] : []),
];
const gen = loadGenerator();
console.log(
  `load generator: ${gen.name}; ${REPS} round(s) x ${DURATION} s per cell after ${PREWARM} s unmeasured; pinning ${pin ? 'on' : 'off'}`,
);
const results = new Map(); // `${server}|${cell}` -> [{rate, cpuPerUnit}]
for (let round = 0; round < REPS; round++) {
  for (const [name, args] of SERVERS) {
    const { child, port } = await startNodeServer(args);
    try {
      for (const cell of cells) {
        if (PREWARM > 0) runClient(gen, port, cell, PREWARM);
        const before = cpuTicks(child.pid);
        const r = runClient(gen, port, cell);
        const ticks = cpuTicks(child.pid) - before;
        const rate = cell.mode === 'rr' ? r.msgs_per_s : r.mib_per_s;
        const units =
          cell.mode === 'rr'
            ? (r.messages ?? r.msgs_per_s * DURATION)
            : (r.bytes ?? r.mib_per_s * 1048576 * DURATION) / 1048576;
        const key = `${name}|${cell.label}`;
        if (!results.has(key)) results.set(key, []);
        results.get(key).push({ rate, cpuPerUnit: ((ticks / CLK_TCK) * 1e6) / Math.max(units, 1) });
      }
    } finally {
      process.kill(child.pid, 'SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
    }
  }
}

const fmt = (x) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
console.log('\n| cell | node_net | ours_proto | ours_buf | CPU µs/unit node_net / proto / buf |');
console.log('|---|---|---|---|---|');
for (const cell of cells) {
  const get = (name) => results.get(`${name}|${cell.label}`) ?? [];
  const base = median(get('node_net').map((r) => r.rate));
  const unit = cell.mode === 'rr' ? 'msg/s' : 'MiB/s';
  const col = (name) => {
    const rate = median(get(name).map((r) => r.rate));
    return `${fmt(rate)} ${unit} (${(rate / base).toFixed(2)}x)`;
  };
  const cpu = ['node_net', 'ours_proto', 'ours_buf']
    .map((n) => median(get(n).map((r) => r.cpuPerUnit)).toFixed(1))
    .join(' / ');
  console.log(
    `| ${cell.label} | ${fmt(base)} ${unit} | ${col('ours_proto')} | ${col('ours_buf')} | ${cpu} |`,
  );
}
console.log(
  '\nratios: ours / raw node:net in this run (higher is better); CPU per message (rr) or per MiB (stream).',
);
