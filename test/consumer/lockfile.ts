/**
 * A lockfile for the consumer app, cut from this repository's: the packed tarball plus the
 * closure of what it and the app depend on, at the versions (and integrity hashes) this
 * repository installed and tested. `npm ci --offline` then installs the app from the tarball
 * and npm's cache alone, which `npm ci` here has filled: no registry, no network.
 *
 * Rejected: `npm install --offline` (it needs each package's registry document, which `npm ci`
 * never caches, only the tarballs), and installing with the registry (the test would then depend
 * on the network and on versions nobody here tested).
 */
import { readFileSync } from 'node:fs';

interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  dev?: boolean;
  devOptional?: boolean;
  optional?: boolean;
  peer?: boolean;
  [key: string]: unknown;
}

interface Lockfile {
  name: string;
  version: string;
  lockfileVersion: 3;
  requires: true;
  packages: Record<string, LockEntry>;
}

export interface ConsumerLockInput {
  /** The repository's package-lock.json. */
  repoLock: string;
  /** The consumer's package.json dependencies (name → version or `file:` tarball). */
  dependencies: Record<string, string>;
  /** The tarball of this package: its file name, integrity and its own manifest. */
  tarball: { name: string; spec: string; integrity: string; manifest: LockEntry };
}

/** Where Node would find `name` from the package at `from` (a lock path, '' for the root). */
function resolveIn(packages: Record<string, LockEntry>, from: string, name: string): string | undefined {
  let dir = from;
  for (;;) {
    const candidate = `${dir ? `${dir}/` : ''}node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (!dir) return undefined;
    const cut = dir.lastIndexOf('/node_modules/');
    dir = cut === -1 ? '' : dir.slice(0, cut);
  }
}

export function consumerLock({ repoLock, dependencies, tarball }: ConsumerLockInput): Lockfile {
  const repo = JSON.parse(readFileSync(repoLock, 'utf8')) as Lockfile;
  const source: Record<string, LockEntry> = { ...repo.packages };
  const own = `node_modules/${tarball.name}`;
  source[own] = { ...tarball.manifest, resolved: tarball.spec, integrity: tarball.integrity };

  const picked: Record<string, LockEntry> = {};
  const queue: [string, string, boolean][] = Object.keys(dependencies).map((n) => ['', n, false]);
  while (queue.length > 0) {
    const [from, name, optional] = queue.shift()!;
    const path = resolveIn(source, from, name);
    if (path === undefined) {
      if (optional) continue;
      throw new Error(`${name} (needed by ${from || 'the app'}) is not in the repository's lockfile`);
    }
    if (picked[path]) continue;
    const { dev: _dev, devOptional: _devOptional, peer: _peer, ...entry } = source[path]!;
    picked[path] = entry;
    for (const dep of Object.keys(entry.dependencies ?? {})) queue.push([path, dep, false]);
    for (const dep of Object.keys(entry.optionalDependencies ?? {})) queue.push([path, dep, true]);
    for (const dep of Object.keys(entry.peerDependencies ?? {})) {
      if (!entry.peerDependenciesMeta?.[dep]?.optional) queue.push([path, dep, false]);
    }
  }
  return {
    name: 'consumer-app',
    version: '0.0.0',
    lockfileVersion: 3,
    requires: true,
    packages: { '': { name: 'consumer-app', version: '0.0.0', dependencies }, ...picked },
  };
}
