/**
 * One benchmark cell, in its own process (run.mjs starts it): one implementation, one
 * mode; prints one JSON line. The modes and the counting are those of the shared
 * anchors (/work/shared/bench/servers/subproc_node.js and subproc_asyncio.py):
 *
 *   spawn        /bin/true, stdio to /dev/null, --inflight children at a time: spawns/s
 *   spawn-pipes  /bin/true with three pipes: spawns/s
 *   read         `head -c BYTES /dev/zero` into a stdout pipe, one child at a time: MiB/s
 *   cat          BYTES written into `cat` in 64 KiB writes (with flow control) and read
 *                back, one child at a time: echoed MiB/s
 *
 * IMPL `node` is raw node:child_process (a child is done at its 'close' event); `ours`
 * is @x/subprocess on @x/loop (done at connectionLost). Either way the next child starts
 * from the next loop turn. Children still running at the end are killed by their PID.
 *
 * usage: node worker.mjs IMPL MODE [--duration S] [--warmup S] [--inflight K] [--bytes N]
 */
import { spawn } from 'node:child_process';
import { EventLoop } from '@x/loop';
import { DEVNULL, PIPE, subprocess } from '@x/subprocess';

const MIB = 1024 * 1024;
const CHUNK = 64 * 1024;
const [impl, mode, ...rest] = process.argv.slice(2);
const opt = { duration: 2.5, warmup: 0.5, inflight: 8, bytes: 256 * MIB };
for (let i = 0; i < rest.length; i += 2) opt[rest[i].replace(/^--/, '')] = Number(rest[i + 1]);
if (!['node', 'ours'].includes(impl) || !['spawn', 'spawn-pipes', 'read', 'cat'].includes(mode)) {
  process.stderr.write(
    'usage: node worker.mjs node|ours spawn|spawn-pipes|read|cat [--duration S] ...\n',
  );
  process.exit(2);
}

const payload = Buffer.alloc(CHUNK);
for (let i = 0; i < CHUNK; i++) payload[i] = i % 251;

const meter = { measuring: false, stopped: false, ops: 0, bytes: 0, errors: 0, children: 0 };
const live = new Set();
let t0;
let cpu0;
let t1;
let cpu1;
let workers = 0;

setTimeout(
  () => {
    process.stderr.write('worker: hard time limit reached\n');
    process.exit(3);
  },
  (opt.warmup + opt.duration + 30) * 1000,
).unref();

function argv() {
  if (mode === 'read') return ['head', ['-c', String(opt.bytes), '/dev/zero']];
  if (mode === 'cat') return ['cat', []];
  return ['/bin/true', []];
}
const expect = mode === 'read' || mode === 'cat' ? opt.bytes : 0;

function finished(code, received) {
  if (meter.stopped) return;
  if (code !== 0 || received !== expect) {
    meter.errors++;
    if (received !== expect)
      process.stderr.write(`child: got ${received} bytes, expected ${expect}\n`);
  } else if (meter.measuring) {
    meter.ops++;
  }
}

// ---- raw node:child_process (as the anchors' subproc_node.js) -------------------------

function runRaw(next) {
  const [file, args] = argv();
  let child;
  let received = 0;
  if (mode === 'spawn') child = spawn(file, args, { stdio: 'ignore' });
  else if (mode === 'spawn-pipes') child = spawn(file, args);
  else if (mode === 'read') child = spawn(file, args, { stdio: ['ignore', 'pipe', 'ignore'] });
  else {
    child = spawn(file, args, { stdio: ['pipe', 'pipe', 'ignore'] });
    let left = opt.bytes;
    const feed = () => {
      while (left > 0) {
        const n = Math.min(left, CHUNK);
        left -= n;
        if (!child.stdin.write(n === CHUNK ? payload : payload.subarray(0, n)) && left > 0) {
          child.stdin.once('drain', feed);
          return;
        }
      }
      child.stdin.end();
    };
    child.stdin.on('error', () => {});
    feed();
  }
  meter.children++;
  live.add(child);
  child.stdout?.on('data', (d) => {
    received += d.length;
    if (meter.measuring) meter.bytes += d.length;
  });
  child.on('error', (e) => {
    meter.errors++;
    process.stderr.write(`spawn: ${e.message}\n`);
  });
  child.on('close', (code) => {
    live.delete(child);
    finished(code, received);
    setImmediate(next);
  });
}

// ---- @x/subprocess ------------------------------------------------------------------

const loop = new EventLoop({ transports: [subprocess()] });

class ChildProtocol {
  constructor(next) {
    this.next = next;
    this.received = 0;
    this.left = mode === 'cat' ? opt.bytes : 0;
    this.paused = false;
    this.transport = null;
    this.stdin = null;
  }
  connectionMade(transport) {
    this.transport = transport;
    live.add(transport);
    if (this.left > 0) {
      this.stdin = transport.getPipeTransport(0);
      this.feed();
    }
  }
  feed() {
    while (this.left > 0 && !this.paused) {
      const n = Math.min(this.left, CHUNK);
      this.left -= n;
      this.stdin.write(n === CHUNK ? payload : payload.subarray(0, n));
    }
    if (this.left === 0) this.stdin.close();
  }
  pauseWriting() {
    this.paused = true;
  }
  resumeWriting() {
    this.paused = false;
    if (this.left > 0) this.feed();
  }
  pipeDataReceived(_fd, data) {
    this.received += data.length;
    if (meter.measuring) meter.bytes += data.length;
  }
  connectionLost() {
    live.delete(this.transport);
    finished(this.transport.getReturncode(), this.received);
    this.transport.close();
    loop.callSoon(this.next);
  }
}

function runOurs(next) {
  const [file, args] = argv();
  const stdio =
    mode === 'spawn'
      ? { stdin: DEVNULL, stdout: DEVNULL, stderr: DEVNULL }
      : mode === 'spawn-pipes'
        ? { stdin: PIPE, stdout: PIPE, stderr: PIPE }
        : mode === 'read'
          ? { stdin: DEVNULL, stdout: PIPE, stderr: DEVNULL }
          : { stdin: PIPE, stdout: PIPE, stderr: DEVNULL };
  meter.children++;
  loop
    .subprocessExec(() => new ChildProtocol(next), file, args, stdio)
    .catch((e) => {
      meter.errors++;
      process.stderr.write(`spawn: ${e.message}\n`);
      setImmediate(next);
    });
}

// ---- the run --------------------------------------------------------------------------

function start() {
  meter.measuring = true;
  meter.ops = 0;
  meter.bytes = 0;
  t0 = process.hrtime.bigint();
  cpu0 = process.cpuUsage();
}

function stop() {
  t1 = process.hrtime.bigint();
  cpu1 = process.cpuUsage(cpu0);
  meter.measuring = false;
  meter.stopped = true;
  for (const c of live) {
    try {
      // A ChildProcess takes the signal; a SubprocessTransport's kill() is SIGKILL.
      if (impl === 'node') c.kill('SIGKILL');
      else c.kill();
    } catch {
      // Already gone (ProcessLookupError): nothing to kill.
    }
  }
}

function report() {
  const sec = Number(t1 - t0) / 1e9;
  const cpu = (cpu1.user + cpu1.system) / 1e6;
  const out = {
    impl,
    mode,
    duration_s: +sec.toFixed(3),
    children: meter.children,
    errors: meter.errors,
  };
  if (mode.startsWith('spawn')) {
    out.spawns_per_s = +(meter.ops / sec).toFixed(1);
    out.cpu_us_per_op = meter.ops ? +((cpu * 1e6) / meter.ops).toFixed(1) : null;
  } else {
    out.mib_per_s = +(meter.bytes / sec / MIB).toFixed(1);
    out.cpu_ms_per_mib = meter.bytes ? +((cpu * 1e3) / (meter.bytes / MIB)).toFixed(3) : null;
  }
  loop.close();
  process.stdout.write(`${JSON.stringify(out)}\n`, () => process.exit(meter.errors ? 1 : 0));
}

function worker() {
  if (meter.stopped) {
    if (--workers === 0) waitLive();
    return;
  }
  (impl === 'node' ? runRaw : runOurs)(worker);
}

/** After stop: report once every killed child is gone. */
function waitLive() {
  if (live.size === 0) report();
  else setTimeout(waitLive, 10);
}

if (opt.warmup === 0) start();
else setTimeout(start, opt.warmup * 1000);
setTimeout(stop, (opt.warmup + opt.duration) * 1000);
workers = mode.startsWith('spawn') ? opt.inflight : 1;
for (let i = 0, n = workers; i < n; i++) worker();
