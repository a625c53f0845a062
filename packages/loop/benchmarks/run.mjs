/**
 * Loop benchmarks (`pnpm bench` in packages/loop: builds, then runs this against dist/).
 *
 * Every figure is a ratio to the raw Node way of doing the same thing, measured in the
 * same process and the same run, so machines and Node versions compare:
 *
 * 1. callSoon throughput vs one setImmediate per callback (the loop drains its ready
 *    queue with one setImmediate per batch).
 * 2. The cost of getRunningLoop()-awareness on an I/O hot path: a raw node:net
 *    ping-pong over loopback, callback style and async/await style, (a) plain, (b) inside
 *    one run() (the ambient loop: no async_hooks), (c) inside two nested run()s (the
 *    AsyncLocalStorage path), each calling getRunningLoop() on every data event; and
 *    (a), (b) again once the nested runs have ended.
 * 3. getRunningLoop() itself, per call, in each of its modes.
 *
 * Options (env): BENCH_QUICK=1 for a short smoke run; BENCH_JSON=path to also write the
 * figures as JSON.
 */
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { EventLoop, getRunningLoop, run } from '@x/loop';

const QUICK = process.env.BENCH_QUICK === '1';
const ROUNDS = QUICK ? 1 : 9;
const BURST = 10_000;
const BURSTS = QUICK ? 10 : 100;
const CALLBACKS = BURST * BURSTS;
const BATCHES = QUICK ? 1_000 : 10_000;
const PER_BATCH = 100;
const ROUND_TRIPS = QUICK ? 2_000 : 5_000;
/** Many short rounds: the fastest of many is a steadier estimate on a busy machine. */
const IO_ROUNDS = QUICK ? 1 : 25;
const LOOKUPS = QUICK ? 100_000 : 2_000_000;

const results = {};

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function measure(fn) {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

/**
 * Runs each case ROUNDS times, interleaved, after one warm-up; returns the fastest ms per
 * case. The minimum, not the median: other processes on the machine only ever add time,
 * so the fastest round is the best estimate of what the code itself costs.
 */
async function compare(cases, rounds = ROUNDS) {
  for (const fn of Object.values(cases)) await fn();
  const times = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  for (let r = 0; r < rounds; r++) {
    for (const [name, fn] of Object.entries(cases)) times[name].push(await measure(fn));
  }
  for (const [name, values] of Object.entries(times)) {
    spreads[name] = (median(values) - Math.min(...values)) / Math.min(...values);
  }
  return Object.fromEntries(Object.entries(times).map(([k, v]) => [k, Math.min(...v)]));
}

/** (median - min) / min of the last compare() of each case: how noisy this machine is. */
const spreads = {};

function line(label, value) {
  console.log(`  ${label.padEnd(58)} ${value}`);
}

// ---- 1. callSoon vs setImmediate ----------------------------------------------------

/** BURSTS times: schedule BURST callbacks at once, wait until all of them ran. */
async function burstsWith(schedule) {
  for (let b = 0; b < BURSTS; b++) {
    await new Promise((resolve) => {
      let left = BURST;
      const cb = () => {
        if (--left === 0) resolve();
      };
      for (let i = 0; i < BURST; i++) schedule(cb);
    });
  }
}

/** BATCHES iterations; each runs PER_BATCH callbacks, the last of which schedules the next batch. */
function batchesWith(schedule) {
  return new Promise((resolve) => {
    let batches = 0;
    const noop = () => {};
    const next = () => {
      if (++batches === BATCHES) return resolve();
      for (let i = 1; i < PER_BATCH; i++) schedule(noop);
      schedule(next);
    };
    schedule(next);
  });
}

async function benchCallSoon() {
  const loop = new EventLoop();
  const t = await compare({
    raw: () => burstsWith((cb) => setImmediate(cb)),
    loop: () => burstsWith((cb) => loop.callSoon(cb)),
    rawBatches: () => batchesWith((cb) => setImmediate(cb)),
    loopBatches: () => batchesWith((cb) => loop.callSoon(cb)),
  });
  loop.close();
  const bulk = t.raw / t.loop;
  const batched = t.rawBatches / t.loopBatches;
  results.callSoon = {
    bulkCallbacks: CALLBACKS,
    rawMs: t.raw,
    loopMs: t.loop,
    throughputRatioBulk: bulk,
    batches: BATCHES,
    perBatch: PER_BATCH,
    rawBatchesMs: t.rawBatches,
    loopBatchesMs: t.loopBatches,
    throughputRatioBatches: batched,
  };
  console.log(
    'callSoon throughput, as a ratio to one setImmediate per callback (higher is better)',
  );
  line(
    `${BURSTS} bursts of ${BURST} callbacks`,
    `${bulk.toFixed(2)}x  (${(CALLBACKS / t.loop / 1000).toFixed(1)} M/s vs ${(CALLBACKS / t.raw / 1000).toFixed(1)} M/s)`,
  );
  line(`${BATCHES} iterations x ${PER_BATCH} callbacks`, `${batched.toFixed(2)}x`);
}

// ---- 2. I/O hot path with and without a running loop -------------------------------------

/** A loopback echo server; resolves with its port. */
function startEchoServer() {
  return new Promise((resolve) => {
    const server = net.createServer((socket) => {
      socket.setNoDelay(true);
      socket.on('data', (data) => socket.write(data));
    });
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

/**
 * ROUND_TRIPS ping-pongs of 64 bytes over one connection, callback style (the transport
 * hot path). `onData` runs on every data event (it calls getRunningLoop() in the loop cases).
 */
function pingPongCallbacks(port, onData) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.setNoDelay(true);
    let trips = 0;
    let pending = 0;
    socket.on('error', reject);
    socket.on('connect', () => socket.write(PAYLOAD));
    socket.on('data', (data) => {
      onData();
      pending += data.length;
      if (pending < PAYLOAD.length) return;
      pending -= PAYLOAD.length;
      if (++trips === ROUND_TRIPS) {
        socket.destroy();
        resolve();
      } else {
        socket.write(PAYLOAD);
      }
    });
  });
}

/** The same, async/await style: one promise per round trip (what application code does). */
async function pingPongAwait(port, onData) {
  const socket = net.connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  await new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let wake = null;
  let pending = 0;
  socket.on('data', (data) => {
    onData();
    pending += data.length;
    if (pending < PAYLOAD.length) return;
    pending -= PAYLOAD.length;
    wake();
  });
  for (let i = 0; i < ROUND_TRIPS; i++) {
    await new Promise((resolve) => {
      wake = resolve;
      socket.write(PAYLOAD);
    });
  }
  socket.destroy();
}

const PAYLOAD = Buffer.alloc(64, 0x61);

async function benchIoPath() {
  const server = await startEchoServer();
  const { port } = server.address();
  let sink = 0;
  const count = () => {
    sink++;
  };
  const lookup = () => {
    if (getRunningLoop() !== null) sink++;
  };
  const styles = { callbacks: pingPongCallbacks, 'async/await': pingPongAwait };
  const cases = (pingPong) => ({
    plain: () => pingPong(port, count),
    oneRun: () => run(() => pingPong(port, lookup)),
    // The AsyncLocalStorage path: a second run() while one is active.
    nestedRuns: () => run(() => run(() => pingPong(port, lookup))),
  });
  // Before any AsyncLocalStorage exists (run() creates one lazily for the first nested run):
  const before = {};
  for (const [style, pingPong] of Object.entries(styles)) {
    const { plain, oneRun } = cases(pingPong);
    before[style] = await compare({ plain, oneRun }, IO_ROUNDS);
  }
  const after = {};
  for (const [style, pingPong] of Object.entries(styles))
    after[style] = await compare(cases(pingPong), IO_ROUNDS);
  server.close();

  results.ioPath = { roundTrips: ROUND_TRIPS, sink };
  console.log(
    `\nnode:net ping-pong over loopback, ${ROUND_TRIPS} round trips of 64 B, getRunningLoop() on every\ndata event in the loop cases; time as a ratio to the plain run of the same style, measured in\nthe same interleaved rounds (1.00 = no cost)`,
  );
  for (const style of Object.keys(styles)) {
    const b = before[style];
    const a = after[style];
    results.ioPath[style] = {
      plainMs: b.plain,
      oneRunRatio: b.oneRun / b.plain,
      nestedRunsRatio: a.nestedRuns / a.plain,
      oneRunBetweenNestedRatio: a.oneRun / a.plain,
      plainAfterVsBeforeRatio: a.plain / b.plain,
    };
    console.log(`  ${style}: plain ${((b.plain * 1000) / ROUND_TRIPS).toFixed(1)} µs/round trip`);
    line('  inside one run() (ambient loop, no async_hooks)', (b.oneRun / b.plain).toFixed(2));
    line(
      '  inside two nested run()s (AsyncLocalStorage path)',
      (a.nestedRuns / a.plain).toFixed(2),
    );
    line('  one run(), in rounds where nested runs come and go', (a.oneRun / a.plain).toFixed(2));
    line('  plain, once nested runs have been (vs before any)', (a.plain / b.plain).toFixed(2));
  }
}

// ---- 3. getRunningLoop() per call ----------------------------------------------------------

let found = 0;

/** The fastest of ROUNDS timings of LOOKUPS calls of `fn`, in ms. */
function fastestLoop(fn) {
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < ROUNDS; r++) {
    const start = performance.now();
    for (let i = 0; i < LOOKUPS; i++) if (fn() !== null) found++;
    best = Math.min(best, performance.now() - start);
  }
  return best;
}

const lookups = () => fastestLoop(getRunningLoop);
const baselineCalls = () => fastestLoop(() => results);

async function benchLookup() {
  const base = baselineCalls();
  const loop = new EventLoop();
  const dispatching = await new Promise((resolve) => loop.callSoon(() => resolve(lookups())));
  loop.close();
  const ambient = await run(() => lookups());
  const scoped = await run(() => run(async () => lookups()));
  const ambientAfter = await run(() => lookups());
  const ns = (ms) => ((ms * 1e6) / LOOKUPS).toFixed(1);
  results.getRunningLoop = {
    calls: LOOKUPS,
    functionCallNs: Number(ns(base)),
    dispatchingNs: Number(ns(dispatching)),
    ambientNs: Number(ns(ambient)),
    asyncLocalStorageNs: Number(ns(scoped)),
    ambientAfterNestedNs: Number(ns(ambientAfter)),
    found, // keeps the lookups observable, so no engine can drop them
  };
  console.log('\ngetRunningLoop() per call (ns; a plain function call for scale)');
  line('plain function call', ns(base));
  line("inside a loop's callback (dispatching)", ns(dispatching));
  line('inside run() (ambient)', ns(ambient));
  line('inside nested run()s (AsyncLocalStorage)', ns(scoped));
  line('inside run() (ambient), after nested runs ended', ns(ambientAfter));
}

console.log(
  `@x/loop benchmarks: node ${process.version}, ${ROUNDS} rounds (${IO_ROUNDS} for I/O), fastest of each${QUICK ? ', quick' : ''}\n`,
);
await benchCallSoon();
// The I/O case first: it measures the process before any AsyncLocalStorage exists.
await benchIoPath();
await benchLookup();
console.log(
  `\nnoise, (median - min) / min per case: ${Object.entries(spreads)
    .map(([k, v]) => `${k} ${(v * 100).toFixed(0)}%`)
    .join(', ')}`,
);
if (process.env.BENCH_JSON)
  writeFileSync(process.env.BENCH_JSON, `${JSON.stringify(results, null, 2)}\n`);
