import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';

interface LockEntry {
  version?: string;
  resolved?: string;
  dev?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  [key: string]: unknown;
}

interface PackageLock {
  packages: Record<string, LockEntry>;
}

const npm = (args: string[], cwd: string) =>
  execFileSync('npm', args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: offlineEnvironment(),
  });

function offlineEnvironment(): NodeJS.ProcessEnv {
  // No registry: every tarball comes from npm's cache, filled when the project was installed.
  return { ...process.env, npm_config_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false' };
}

/**
 * The entries a project that depends on `root` (a package whose dependencies the lock already
 * resolves) installs: its dependencies, optional dependencies and required peers, transitively,
 * at the places npm hoisted them to.
 */
export function lockClosure(lock: PackageLock, root: LockEntry): Record<string, LockEntry> {
  const chosen: Record<string, LockEntry> = {};
  const visit = (from: string, entry: LockEntry) => {
    const optionalPeers = entry.peerDependenciesMeta ?? {};
    const names = [
      ...Object.keys(entry.dependencies ?? {}),
      ...Object.keys(entry.optionalDependencies ?? {}),
      ...Object.keys(entry.peerDependencies ?? {}).filter((name) => optionalPeers[name]?.optional !== true),
    ];
    for (const name of names) {
      // Node's lookup: the nearest node_modules folder up from the requiring package.
      let base = from;
      let found: string | undefined;
      for (;;) {
        const candidate = posix.join(base, 'node_modules', name);
        if (lock.packages[candidate]) {
          found = candidate;
          break;
        }
        if (base === '') break;
        const parent = base.lastIndexOf('/node_modules/');
        base = parent === -1 ? '' : base.slice(0, parent);
      }
      if (found === undefined) {
        if (entry.optionalDependencies?.[name] !== undefined) continue;
        throw new Error(`${name}, needed by ${from || 'the package'}, is not in package-lock.json`);
      }
      if (chosen[found]) continue;
      const {
        dev: _dev,
        devOptional: _devOptional,
        peer: _peer,
        ...rest
      } = lock.packages[found] as LockEntry;
      chosen[found] = rest;
      visit(found, rest);
    }
  };
  visit('', root);
  return chosen;
}

export interface InstalledApp {
  directory: string;
  tarball: string;
  /** Packages installed besides the app itself. */
  packageCount: number;
  /** Bytes under node_modules. */
  installBytes: number;
}

/**
 * Packs the package at `packageDirectory` (already built) and installs the tarball into a new app
 * with `npm ci`, offline: the app's lockfile is cut from the package's own, so every dependency is
 * a tarball npm already has in its cache. No install scripts run (better-sqlite3 ships prebuilt
 * binaries).
 */
export function installPackedPackage(packageDirectory: string): InstalledApp {
  const directory = mkdtempSync(join(tmpdir(), 'baton-app-'));
  const packed = npm(
    ['pack', '--ignore-scripts', '--json', '--pack-destination', directory],
    packageDirectory,
  );
  const filename = (JSON.parse(packed) as Array<{ filename: string }>)[0]?.filename ?? '';
  const manifest = JSON.parse(readFileSync(join(packageDirectory, 'package.json'), 'utf8')) as LockEntry & {
    name: string;
    version: string;
  };
  const lock = JSON.parse(readFileSync(join(packageDirectory, 'package-lock.json'), 'utf8')) as PackageLock;
  const specifier = `file:${filename}`;
  const {
    scripts: _scripts,
    devDependencies: _dev,
    files: _files,
    exports: _exports,
    ...packageEntry
  } = manifest;
  const closure = lockClosure(lock, packageEntry);
  const app = {
    name: 'app',
    version: '1.0.0',
    private: true,
    type: 'module',
    dependencies: { [manifest.name]: specifier },
  };
  writeFileSync(join(directory, 'package.json'), `${JSON.stringify(app, null, 2)}\n`);
  const appLock = {
    name: 'app',
    version: '1.0.0',
    lockfileVersion: 3,
    requires: true,
    packages: {
      '': { name: 'app', version: '1.0.0', dependencies: app.dependencies },
      [`node_modules/${manifest.name}`]: {
        version: manifest.version,
        resolved: specifier,
        license: manifest.license,
        dependencies: manifest.dependencies,
        peerDependencies: manifest.peerDependencies,
        peerDependenciesMeta: manifest.peerDependenciesMeta,
        bin: manifest.bin,
        engines: manifest.engines,
      },
      ...Object.fromEntries(Object.entries(closure).map(([path, entry]) => [path, entry])),
    },
  };
  writeFileSync(join(directory, 'package-lock.json'), `${JSON.stringify(appLock, null, 2)}\n`);
  npm(['ci', '--ignore-scripts', '--no-audit', '--no-fund'], directory);
  return {
    directory,
    tarball: join(directory, filename),
    packageCount: Object.keys(closure).length + 1,
    installBytes: sizeOf(join(directory, 'node_modules')),
  };
}

function sizeOf(path: string): number {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(path).reduce((total, name) => total + sizeOf(join(path, name)), 0);
}
