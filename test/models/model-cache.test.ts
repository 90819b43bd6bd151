import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findCachedModel, modelCacheDirectory, recommendedModelFile } from '../../src/models/model-cache.js';

describe('modelCacheDirectory', () => {
  it('takes BATON_MODEL_CACHE first, then XDG_CACHE_HOME, then ~/.cache', () => {
    expect(modelCacheDirectory({ BATON_MODEL_CACHE: '/models', XDG_CACHE_HOME: '/xdg' })).toBe('/models');
    expect(modelCacheDirectory({ XDG_CACHE_HOME: '/xdg' })).toBe(join('/xdg', 'baton', 'models'));
    expect(modelCacheDirectory({})).toBe(join(homedir(), '.cache', 'baton', 'models'));
  });

  it('treats empty variables as unset', () => {
    expect(modelCacheDirectory({ BATON_MODEL_CACHE: '', XDG_CACHE_HOME: '' })).toBe(
      join(homedir(), '.cache', 'baton', 'models'),
    );
  });
});

describe('findCachedModel', () => {
  let directory: string;
  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'baton-models-'));
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  it('finds nothing in a folder that does not exist or holds no GGUF file', () => {
    expect(findCachedModel(join(directory, 'missing'))).toBeUndefined();
    writeFileSync(join(directory, 'notes.txt'), 'x');
    expect(findCachedModel(directory)).toBeUndefined();
  });

  it('takes the first GGUF file by name, ignoring other files', () => {
    // Enough names that the folder's own order is unlikely to be sorted already.
    const names = ['zeta', 'mid', 'beta', 'omega', 'kappa', 'delta', 'sigma', 'gamma'].map(
      (name) => `${name}.gguf`,
    );
    for (const name of [...names, 'alpha.gguf', 'aaa.bin']) writeFileSync(join(directory, name), 'x');
    mkdirSync(join(directory, 'sub'));
    expect(findCachedModel(directory)).toBe(join(directory, 'alpha.gguf'));
  });

  it('prefers the recommended model when it is there', () => {
    for (const name of ['alpha.gguf', recommendedModelFile]) writeFileSync(join(directory, name), 'x');
    expect(findCachedModel(directory)).toBe(join(directory, recommendedModelFile));
  });
});
