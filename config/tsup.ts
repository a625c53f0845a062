/**
 * The one tsup configuration every publishable package builds with.
 *
 * Each `packages/<name>/tsup.config.ts` is a single call:
 *
 * ```ts
 * import { packageConfig } from '../../config/tsup.ts';
 * export default packageConfig({ index: 'src/index.ts' });
 * ```
 *
 * Output (for `type: "module"` packages), per entry `<e>`:
 *   dist/<e>.js + dist/<e>.d.ts     (ESM, the `import` condition)
 *   dist/<e>.cjs + dist/<e>.d.cts   (CJS, the `require` condition)
 * plus source maps. Dependencies and peer dependencies stay external (tsup's default), so
 * workspace packages are imported from each other, never inlined.
 *
 * Swapping the bundler (tsup is no longer actively maintained; tsdown is its successor)
 * means rewriting this file only.
 */
import { defineConfig, type Options } from 'tsup';

/** Entry name (path under dist/ without extension) -> source file. */
export type Entries = Record<string, string>;

export function packageConfig(entry: Entries, overrides: Options = {}) {
  return defineConfig({
    entry,
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    platform: 'node',
    // Entries of one package (core's `.` and `./testing`) share chunks instead of each
    // inlining its own copy of common modules: one copy of every class and brand, so
    // `instanceof` holds across subpaths. For CJS this is tsup's opt-in splitting.
    splitting: true,
    // The CJS output rewrites classes with field initialisers into `_class` expressions;
    // keepNames preserves `constructor.name`, which log messages and error names use.
    keepNames: true,
    outDir: 'dist',
    ...overrides,
  });
}
