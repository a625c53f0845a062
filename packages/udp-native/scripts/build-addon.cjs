'use strict';
/**
 * Builds the addon with node-gyp (the package's `install` and `build` scripts).
 *
 * - Node's own headers are used when they sit beside the running Node
 *   (`<prefix>/include/node`, as official and distribution builds install them), so no
 *   download is needed; `npm_config_nodedir` still wins when set.
 * - The addon is optional: when it cannot be built (no compiler, not Linux), this prints
 *   why and exits 0, and `@x/udp` uses node:dgram. `--strict` (for CI) exits 1 instead.
 */
const { spawnSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const { dirname, join } = require('node:path');

const strict = process.argv.includes('--strict');

function skip(why) {
  console.warn(`@x/udp-native: not built (${why}); @x/udp will use node:dgram.`);
  process.exit(strict ? 1 : 0);
}

if (process.platform !== 'linux') skip(`recvmmsg is Linux only, this is ${process.platform}`);

const args = ['rebuild'];
const prefix = dirname(dirname(process.execPath));
if (!process.env.npm_config_nodedir && existsSync(join(prefix, 'include', 'node', 'node_api.h'))) {
  args.push(`--nodedir=${prefix}`);
}
// npm and pnpm put their own node-gyp on PATH for install scripts; the repository has it
// as a dev dependency.
const result = spawnSync('node-gyp', args, {
  cwd: join(__dirname, '..'),
  stdio: 'inherit',
  shell: process.platform === 'win32',
});
if (result.error) skip(`node-gyp could not run: ${result.error.message}`);
if (result.status !== 0) skip(`node-gyp exited with ${result.status}`);
