/**
 * The one vitest configuration shared by every package and app.
 *
 * - `packages/<name>/vitest.config.ts` and `apps/<name>/vitest.config.ts` are
 *   `export default projectConfig(import.meta.dirname);`
 * - the root `vitest.config.ts` runs them all as `test.projects` (that is what `pnpm test` does).
 *
 * Tests import workspace packages by name (`@x/tcp`, `@x/transport-core/testing`); the
 * aliases below point those names at the packages' TypeScript sources, so tests never need
 * a prior `pnpm build` and always see the code as it is on disk.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineProject, type UserWorkspaceConfig } from 'vitest/config';

/** Repository root (this file lives in `<root>/config/`). */
export const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');

type Alias = { find: RegExp; replacement: string };

/**
 * One exact-match alias per `exports` subpath of every `packages/*` package, mapping e.g.
 * `@x/transport-core/testing` -> `packages/transport-core/src/testing/index.ts`. A subpath
 * `./a/b` is expected at `src/a/b/index.ts` (or `src/a/b.ts`), `.` at `src/index.ts`.
 */
export function workspaceAliases(): Alias[] {
  const packagesDir = join(repoRoot, 'packages');
  const aliases: Alias[] = [];
  for (const dir of readdirSync(packagesDir, { withFileTypes: true })) {
    if (!dir.isDirectory()) continue;
    const pkgDir = join(packagesDir, dir.name);
    const manifest = join(pkgDir, 'package.json');
    if (!existsSync(manifest)) continue;
    const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as {
      name: string;
      exports?: Record<string, unknown>;
    };
    const subpaths = Object.keys(pkg.exports ?? { '.': null }).filter(
      (key) => key.startsWith('.') && !key.endsWith('.json'),
    );
    for (const subpath of subpaths) {
      const rel = subpath === '.' ? '' : subpath.slice(2);
      const candidates = rel
        ? [join(pkgDir, 'src', rel, 'index.ts'), join(pkgDir, 'src', `${rel}.ts`)]
        : [join(pkgDir, 'src', 'index.ts')];
      const replacement = candidates.find((file) => existsSync(file));
      // No TypeScript source (the native addon's plain CommonJS package): resolved as built.
      if (replacement === undefined) continue;
      const specifier = rel ? `${pkg.name}/${rel}` : pkg.name;
      aliases.push({ find: new RegExp(`^${escapeRegExp(specifier)}$`), replacement });
    }
  }
  // The apps' shared helpers: a private workspace package under apps/ (not packages/).
  aliases.push({
    find: /^@x\/demo-kit$/,
    replacement: join(repoRoot, 'apps', 'demo-kit', 'src', 'index.ts'),
  });
  return aliases;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** Vitest project config for the package or app in `dir`. */
export function projectConfig(dir: string, overrides: UserWorkspaceConfig['test'] = {}) {
  return defineProject({
    resolve: { alias: workspaceAliases() },
    test: {
      name: basename(dir),
      root: dir,
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      environment: 'node',
      // Real sockets, TLS handshakes and child processes: isolate files in processes and
      // give slow machines room before calling a test hung.
      pool: 'forks',
      testTimeout: 20_000,
      hookTimeout: 20_000,
      ...overrides,
    },
  });
}
