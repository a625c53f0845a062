/**
 * Subprocess benchmarks (`pnpm bench` in packages/subprocess: builds, then runs this
 * against dist/).
 *
 * The modes of the shared anchors (../shared/bench/subprocess.sh, read its header):
 * spawn (/bin/true, stdio to /dev/null, 8 in flight), spawn-pipes (three pipes), read
 * (`head -c BYTES /dev/zero` through a stdout pipe) and cat (BYTES into `cat` and back).
 * Each cell is its own process (worker.mjs), pinned with its children to one CPU as the
 * anchors are (taskset -c 0, when there is taskset). Rounds are interleaved; figures are
 * medians, and ratios are medians of per-round ratios to raw node:child_process measured
 * in the same run (paired, so a busy spell on a shared machine hits both sides). When
 * /usr/bin/python3 has uvloop and the shared anchors are there, uvloop runs in the same
 * rounds too (their subproc_asyncio.py --uvloop), so "target" = the better of raw Node
 * and uvloop, as the issue states it.
 *
 * Env: BENCH_QUICK=1 (short smoke run), REPS [3], DURATION [2.5] s, WARMUP [0.5] s,
 * BYTES [268435456] per child (read/cat), INFLIGHT [8], MODES ["spawn spawn-pipes read cat"],
 * IMPLS ["node ours uvloop"] (also: asyncio), PIN [1], BENCH_JSON=path for the figures as JSON,
 * BENCH_WORKER=path of another worker.mjs (e.g. a bundled snapshot).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../../..');
const anchors = process.env.ANCHORS_DIR ?? resolve(repoRoot, '../shared/bench');
const quick = process.env.BENCH_QUICK === '1';
const env = (name, fallback) => process.env[name] ?? String(fallback);
const REPS = Number(env('REPS', quick ? 1 : 3));
const DURATION = Number(env('DURATION', quick ? 1 : 2.5));
const WARMUP = Number(env('WARMUP', quick ? 0.2 : 0.5));
const BYTES = Number(env('BYTES', quick ? 64 * 1024 * 1024 : 256 * 1024 * 1024));
const INFLIGHT = Number(env('INFLIGHT', 8));
const MODES = env('MODES', 'spawn spawn-pipes read cat').split(/\s+/).filter(Boolean);
const python = '/usr/bin/python3';
const asyncioScript = join(anchors, 'servers/subproc_asyncio.py');

function has(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: 'ignore' });
  return r.status === 0;
}

const pythonOk = existsSync(python) && existsSync(asyncioScript);
const uvloopOk = pythonOk && has(python, ['-c', 'import uvloop']);
const IMPLS = env('IMPLS', 'node ours uvloop')
  .split(/\s+/)
  .filter(Boolean)
  .filter((impl) => {
    if (impl === 'uvloop' && !uvloopOk) return false;
    if (impl === 'asyncio' && !pythonOk) return false;
    return true;
  });
const pin =
  env('PIN', 1) === '1' && has('taskset', ['-c', '0', 'true']) ? ['taskset', '-c', '0'] : [];

function command(impl, mode) {
  const common = [
    '--duration',
    DURATION,
    '--warmup',
    WARMUP,
    '--inflight',
    INFLIGHT,
    '--bytes',
    BYTES,
  ].map(String);
  if (impl === 'node' || impl === 'ours') {
    return [
      process.execPath,
      [...process.execArgv, join(here, 'worker.mjs'), impl, mode, ...common],
    ];
  }
  const flags = impl === 'uvloop' ? ['--uvloop'] : [];
  return [python, [asyncioScript, mode, ...flags, ...common, '--label', impl]];
}

function runCell(impl, mode) {
  const [file, args] = command(impl, mode);
  const argv = [...pin, file, ...args];
  const r = spawnSync(argv[0], argv.slice(1), {
    encoding: 'utf8',
    timeout: (DURATION + WARMUP + 60) * 1000,
    killSignal: 'SIGKILL',
  });
  const line = (r.stdout ?? '').trim().split('\n').pop() ?? '';
  try {
    const out = JSON.parse(line);
    return mode.startsWith('spawn') ? out.spawns_per_s : out.mib_per_s;
  } catch {
    process.stderr.write(
      `${impl} ${mode}: no result (exit ${r.status}): ${(r.stderr ?? '').slice(-400)}\n`,
    );
    return null;
  }
}

function median(values) {
  const v = values.filter((x) => x !== null).sort((a, b) => a - b);
  return v.length ? v[Math.floor(v.length / 2)] : null;
}

console.log(
  `subprocess bench: ${REPS} rounds x ${DURATION}s (+${WARMUP}s warm-up), ` +
    `${INFLIGHT} in flight for spawn, ${BYTES / 1048576} MiB per child for read/cat; ` +
    `impls: ${IMPLS.join(', ')}; ${pin.length ? 'pinned to CPU 0' : 'not pinned'}`,
);
const samples = {};
for (let rep = 1; rep <= REPS; rep++) {
  for (const mode of MODES) {
    for (const impl of IMPLS) {
      const value = runCell(impl, mode);
      (samples[mode] ??= {})[impl] ??= [];
      samples[mode][impl].push(value);
      process.stderr.write(`round ${rep}/${REPS} ${mode} ${impl}: ${value}\n`);
    }
  }
}

/** Median over rounds of `ours / baseline(round)`: paired within a round, so a machine that slows down for a while skews both sides alike. */
function pairedRatio(mode, baseline) {
  const ours = samples[mode].ours ?? [];
  const ratios = ours.map((value, round) => {
    const base = baseline(round);
    return value !== null && base ? value / base : null;
  });
  return median(ratios);
}

const results = {};
const header = [
  'mode',
  'unit',
  ...IMPLS.map((impl) => `${impl} (median)`),
  'ours / node',
  'ours / target',
];
console.log(`| ${header.join(' | ')} |`);
console.log(`|${header.map(() => '---').join('|')}|`);
for (const mode of MODES) {
  const med = Object.fromEntries(IMPLS.map((impl) => [impl, median(samples[mode][impl])]));
  const at = (impl, round) => samples[mode][impl]?.[round] ?? null;
  const vsNode = pairedRatio(mode, (round) => at('node', round));
  const vsTarget = pairedRatio(mode, (round) =>
    Math.max(at('node', round) ?? 0, at('uvloop', round) ?? 0),
  );
  results[mode] = {
    medians: med,
    samples: samples[mode],
    oursVsNode: vsNode,
    oursVsTarget: vsTarget,
  };
  const unit = mode.startsWith('spawn') ? 'spawn/s' : 'MiB/s';
  const cells = IMPLS.map((impl) => (med[impl] === null ? 'n/a' : String(Math.round(med[impl]))));
  console.log(
    `| ${mode} | ${unit} | ${cells.join(' | ')} | ${vsNode?.toFixed(2) ?? 'n/a'}x | ${vsTarget?.toFixed(2) ?? 'n/a'}x |`,
  );
}
console.log(
  'ratios: median over rounds of the per-round ratio; target = the better of node and uvloop',
);
if (process.env.BENCH_JSON) writeFileSync(process.env.BENCH_JSON, JSON.stringify(results, null, 2));
