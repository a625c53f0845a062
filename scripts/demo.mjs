#!/usr/bin/env node
/**
 * `pnpm demo`: build every package, then run each app's end-to-end demo, one at a time.
 *
 * Contract for an app's `demo` script (apps/<name>/package.json, see apps/README.md):
 * - it runs the app's whole example end to end on this machine only (loopback addresses,
 *   ephemeral ports: bind port 0 and pass the real port on), with no network and no input;
 * - it checks what it observed and exits 0 only if everything matched, non-zero otherwise,
 *   printing what went wrong;
 * - it stops by itself: every server, child process and timer it started is closed before it
 *   exits (a demo still running after DEMO_TIMEOUT_MS, 120 s by default, is killed and fails);
 * - it works from a fresh clone after `pnpm install`, without `pnpm build` (this script builds
 *   first anyway, so demos of built output work too).
 *
 * Demos run in directory order with the app's directory as cwd. All of them run even when
 * one fails; the exit code is non-zero if any failed. With no app, this says so and exits 0.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const timeoutMs = Number(process.env.DEMO_TIMEOUT_MS ?? 120_000);

/** Runs pnpm the way this script was started (`npx pnpm demo` has no global pnpm). */
function pnpmCommand(args) {
  const execPath = process.env.npm_execpath;
  if (execPath && /pnpm/.test(execPath)) {
    return /\.(c|m)?js$/.test(execPath)
      ? [process.execPath, [execPath, ...args]]
      : [execPath, args];
  }
  return ['pnpm', args];
}

function findApps() {
  const appsDir = join(root, 'apps');
  if (!existsSync(appsDir)) return [];
  return readdirSync(appsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => join(appsDir, entry.name))
    .filter((dir) => existsSync(join(dir, 'package.json')))
    .map((dir) => ({ dir, pkg: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) }))
    .filter(({ pkg }) => typeof pkg.scripts?.demo === 'string')
    .sort((a, b) => a.dir.localeCompare(b.dir));
}

/** The demo running now; it has its own process group, so a kill reaches its children too. */
let current;

function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (current) killGroup(current, 'SIGKILL');
    process.exit(130);
  });
}

function runDemo({ dir, pkg }) {
  const [cmd, args] = pnpmCommand(['run', 'demo']);
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(cmd, args, { cwd: dir, stdio: 'inherit', detached: true });
    current = child;
    const timer = setTimeout(() => {
      console.error(`\n[demo] ${pkg.name}: no exit after ${timeoutMs} ms, killing it`);
      killGroup(child, 'SIGKILL');
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      console.error(`[demo] ${pkg.name}: could not start: ${err.message}`);
      resolve({ name: pkg.name, ok: false, ms: Date.now() - started });
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      current = undefined;
      resolve({ name: pkg.name, ok: code === 0, code, signal, ms: Date.now() - started });
    });
  });
}

const apps = findApps();
if (apps.length === 0) {
  console.log('[demo] no demos exist yet (no apps/*/package.json with a "demo" script)');
  process.exit(0);
}

const [buildCmd, buildArgs] = pnpmCommand(['run', 'build']);
console.log('[demo] building packages');
const build = spawnSync(buildCmd, buildArgs, { cwd: root, stdio: 'inherit' });
if (build.status !== 0) {
  console.error('[demo] build failed');
  process.exit(build.status ?? 1);
}

const results = [];
for (const app of apps) {
  console.log(`\n[demo] ===== ${app.pkg.name} =====`);
  results.push(await runDemo(app));
}

console.log('\n[demo] results');
for (const r of results) {
  const how = r.ok ? 'ok' : r.signal ? `killed (${r.signal})` : `exit ${r.code}`;
  console.log(`[demo]   ${r.ok ? 'PASS' : 'FAIL'} ${r.name} (${how}, ${r.ms} ms)`);
}
const failed = results.filter((r) => !r.ok).length;
console.log(`demos: ${results.length - failed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
