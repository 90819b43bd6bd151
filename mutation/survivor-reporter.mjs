// Writes each mutant that survives (or that no test reaches) to reports/mutation/<group>.survivors.txt
// as soon as it has been tested, so the tests it calls for can be written while the run goes on.
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { declareClassPlugin, PluginKind } from '@stryker-mutator/api/plugin';

const group = (process.env.BATON_MUTATION_GROUP ?? 'all').replace(/[^a-z0-9-]+/g, '-');
const file = `reports/mutation/${group}.survivors.txt`;

class SurvivorReporter {
  constructor() {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, '');
  }

  onMutantTested(result) {
    if (result.status !== 'Survived' && result.status !== 'NoCoverage') return;
    const { start } = result.location;
    const line = readFileSync(result.fileName, 'utf8').split('\n')[start.line - 1]?.trim() ?? '';
    const where = `${result.fileName.replace(`${process.cwd()}/`, '')}:${start.line}:${start.column}`;
    appendFileSync(
      file,
      `${where} ${result.status} ${result.mutatorName} → ${result.replacement}\n    ${line}\n`,
    );
  }
}

export const strykerPlugins = [declareClassPlugin(PluginKind.Reporter, 'survivors', SurvivorReporter)];
