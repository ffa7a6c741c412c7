/**
 * `npm start -- --bundled`: every function runs from the bundle the stacks deploy (built with
 * infra/constructs/bundling.ts's options for the run's tracing backend), not from source. What
 * that proves that a source run cannot: the bundles' substitutions (credentials from the
 * environment only, the unused tracing backend left out, the X-Ray SDK's files imported by
 * path) still serve every request, page and digest of the story.
 *
 * All entries are built in one esbuild run with code splitting: same options, aliases and
 * externals as the deployed bundles, but modules the functions share land in shared chunks.
 * That matters because this process hosts every function at once, unlike Lambda: the X-Ray SDK
 * keeps its context in a process-wide namespace (cls-hooked's `process.namespaces`), so nine
 * private copies of it in one process would overwrite each other's Lambda segment.
 */
import { build } from 'esbuild';
import { mkdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { TracingBackend } from '../../functions/shared/types/tracing';
import { esbuildOptions } from '../../infra/constructs/bundling';

/** Loads an entry module: from source (`source`) or from something built from `entryFile`. */
export type EntryLoader = <M>(entryFile: string, source: () => Promise<M>) => Promise<M>;

export const fromSource: EntryLoader = (_entryFile, source) => source();

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** Builds every entry of `entryFiles` (on first load) into `outDir`, then imports bundles from there. */
export function fromBundles(
  outDir: string,
  tracing: TracingBackend,
  entryFiles: readonly string[],
): EntryLoader {
  const dir = join(outDir, tracing);
  let built: Promise<unknown> | undefined;
  const bundled = (entryFile: string) => join(dir, relative(repoRoot, entryFile).replace(/\.ts$/, '.mjs'));
  return async <M>(entryFile: string) => {
    if (!entryFiles.includes(entryFile)) throw new Error(`${entryFile} is not one of the bundled entries`);
    built ??= mkdir(dir, { recursive: true }).then(() =>
      build({
        ...esbuildOptions(entryFile, { tracing }),
        entryPoints: [...entryFiles],
        outbase: repoRoot,
        outdir: dir,
        splitting: true,
        outExtension: { '.js': '.mjs' },
        logLevel: 'error',
      }),
    );
    await built;
    return (await import(pathToFileURL(bundled(entryFile)).href)) as M;
  };
}

/** Absolute path of a repo file, for loaders. */
export function repoFile(path: string): string {
  return join(repoRoot, path);
}
