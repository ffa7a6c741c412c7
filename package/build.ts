/**
 * `npm run build` (and `npm pack`, through `prepack`): the published package in `dist/`.
 *
 * | output                          | what                                                                 |
 * |---------------------------------|----------------------------------------------------------------------|
 * | `rules.js`, `lambda.js`, `cli.js`, `peers.js`, chunks | the entries, ESM, bundled with esbuild and split so each module exists once (one `RuleSetError` class for every entry); every package import stays an import |
 * | `cdk.js`                        | checks the CDK peers (package/peers.ts), then loads `cdk-construct.js` |
 * | `lambda/<function>/index.mjs`   | the notifier and digest bundles the construct deploys (infra/constructs/function-code.ts), built with the options of every other bundle |
 * | `types/**.d.ts`                 | declarations (tsconfig.build.json), relative imports given their `.js` so `node16`/`nodenext` consumers resolve them |
 *
 * The build fails when a bundle imports a package that is not a dependency or a peer: that
 * import would break in a consumer's install and nowhere here.
 *
 * Rejected: publishing tsc's JavaScript (extensionless relative imports do not load in Node's
 * ESM) and publishing the TypeScript sources (every consumer would need a loader and esbuild).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { esbuildOptions } from '../infra/constructs/bundling';
import { FUNCTION_ENTRIES, type FunctionName } from '../infra/constructs/function-code';

const root = fileURLToPath(new URL('../', import.meta.url));
const dist = join(root, 'dist');

interface Manifest {
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

export interface BuildResult {
  /** Bytes of each deployed function bundle. */
  functionBytes: Record<FunctionName, number>;
  /** Bytes of each entry's own file (chunks not counted). */
  entryBytes: Record<string, number>;
}

export async function buildPackage(): Promise<BuildResult> {
  rmSync(dist, { recursive: true, force: true });
  const entries = await buildEntries();
  writeCdkEntry(entries.cdkExports);
  const functionBytes = await buildFunctions();
  buildDeclarations();
  return { functionBytes, entryBytes: entries.bytes };
}

async function buildEntries(): Promise<{ cdkExports: string[]; bytes: Record<string, number> }> {
  const result = await esbuild.build({
    absWorkingDir: root,
    entryPoints: {
      rules: 'package/rules.ts',
      lambda: 'package/lambda.ts',
      'cdk-construct': 'package/cdk.ts',
      peers: 'package/peers.ts',
      cli: 'package/cli.ts',
    },
    outdir: dist,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    packages: 'external',
    metafile: true,
    logLevel: 'warning',
  });
  checkExternals(result.metafile);
  const outputs = Object.entries(result.metafile.outputs);
  const cdk = outputs.find(([, out]) => out.entryPoint === 'package/cdk.ts')?.[1];
  if (!cdk) throw new Error('esbuild produced no cdk entry');
  const bytes = Object.fromEntries(
    outputs.filter(([, out]) => out.entryPoint).map(([file, out]) => [relative('dist', file), out.bytes]),
  );
  return { cdkExports: cdk.exports, bytes };
}

/** Every package a bundle imports is a dependency or a peer (or part of Node). */
function checkExternals(metafile: esbuild.Metafile): void {
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Manifest;
  const declared = new Set([
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.peerDependencies ?? {}),
  ]);
  const builtins = new Set(builtinModules);
  const undeclared = new Set<string>();
  for (const out of Object.values(metafile.outputs)) {
    for (const imported of out.imports) {
      if (!imported.external) continue;
      const spec = imported.path;
      if (spec.startsWith('node:') || builtins.has(spec)) continue;
      const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
      if (!declared.has(name)) undeclared.add(name);
    }
  }
  if (undeclared.size > 0) {
    throw new Error(
      `the package imports what it does not declare (add to dependencies or peerDependencies): ${[...undeclared].join(', ')}`,
    );
  }
}

/**
 * `dist/cdk.js`: the peer check runs before anything imports aws-cdk-lib (a static import would
 * fail at module resolution, before any code of ours runs), then the construct's exports.
 */
function writeCdkEntry(names: readonly string[]): void {
  const lines = [
    "import { assertCdkPeers } from './peers.js';",
    '',
    'assertCdkPeers();',
    "const construct = await import('./cdk-construct.js');",
    ...names.map((name) => `export const ${name} = construct.${name};`),
    '',
  ];
  writeFileSync(join(dist, 'cdk.js'), lines.join('\n'));
}

async function buildFunctions(): Promise<Record<FunctionName, number>> {
  const sizes = {} as Record<FunctionName, number>;
  for (const [name, entry] of Object.entries(FUNCTION_ENTRIES) as [FunctionName, string][]) {
    const outfile = join(dist, 'lambda', name, 'index.mjs');
    await esbuild.build({ ...esbuildOptions(join(root, entry)), outfile });
    sizes[name] = statSync(outfile).size;
  }
  return sizes;
}

function buildDeclarations(): void {
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
  for (const file of walk(join(dist, 'types'))) {
    if (file.endsWith('.d.ts')) writeFileSync(file, withExtensions(file, readFileSync(file, 'utf8')));
  }
}

const RELATIVE = /(from\s+|import\(\s*)(['"])(\.{1,2}\/[^'"]*)\2/g;

/** `'./errors'` → `'./errors.js'`, `'./incidents'` → `'./incidents/index.js'`, as the files are. */
export function withExtensions(file: string, text: string): string {
  return text.replace(RELATIVE, (whole, lead: string, quote: string, spec: string) => {
    if (/\.(js|mjs|cjs|json)$/.test(spec)) return whole;
    const target = resolve(dirname(file), spec);
    const fixed = existsSync(`${target}.d.ts`)
      ? `${spec}.js`
      : existsSync(join(target, 'index.d.ts'))
        ? `${spec}/index.js`
        : spec;
    return `${lead}${quote}${fixed}${quote}`;
  });
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await buildPackage();
  console.log(JSON.stringify(result, null, 2));
}
