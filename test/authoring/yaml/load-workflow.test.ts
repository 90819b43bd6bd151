import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  loadWorkflowFile,
  parseWorkflowText,
  type WorkflowFileProblem,
} from '../../../src/authoring/yaml/index.js';
import { BatonError, createBaton } from '../../../src/index.js';

function workspace(files: Record<string, string>): string {
  const directory = mkdtempSync(join(tmpdir(), 'baton-load-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(directory, path, '..'), { recursive: true });
    writeFileSync(join(directory, path), text);
  }
  return directory;
}

async function problemsOf(path: string): Promise<WorkflowFileProblem[]> {
  try {
    await loadWorkflowFile(path);
  } catch (error) {
    if (BatonError.is(error, 'WORKFLOW_INVALID')) return error.details?.problems as WorkflowFileProblem[];
    throw error;
  }
  throw new Error('expected the workflow to be invalid');
}

describe('loadWorkflowFile', () => {
  it('loads a YAML workflow with the functions and tools of the module it names, ready to run', async () => {
    const directory = workspace({
      'greet.yaml': `name: greet
module: ./greet.ts
steps:
  - id: hello
    kind: tool
    tool: greet
    input: { name: "{{ input.name }}" }
  - id: loud
    kind: transform
    value: { function: shout }
    needs: [hello]
`,
      'greet.ts': `export const functions = { shout: (scope: { steps: { hello: string } }) => scope.steps.hello.toUpperCase() };
export const tools = {
  greet: {
    inputSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
    execute: (input: { name: string }) => 'hello ' + input.name,
  },
};
`,
    });
    const definition = await loadWorkflowFile(join(directory, 'greet.yaml'));
    expect(definition.modulePath).toBe(join(directory, 'greet.ts'));
    expect(Object.keys(definition.functions)).toEqual(['shout']);
    const result = await createBaton({ tools: definition.tools }).run(definition, { input: { name: 'Ada' } });
    expect(result.output).toEqual({ hello: 'hello Ada', loud: 'HELLO ADA' });
  });

  it('uses the module a `module:` field names (in an allowed folder) and removes the field and `$schema` before validation', async () => {
    const directory = workspace({
      'flows/shout.json': JSON.stringify({
        $schema: '../workflow.schema.json',
        module: '../lib/functions.mjs',
        name: 'shout',
        steps: [{ id: 'loud', kind: 'transform', value: { function: 'shout' } }],
      }),
      'lib/functions.mjs': "export default { functions: { shout: () => 'HEY' } };\n",
    });
    const definition = await loadWorkflowFile(join(directory, 'flows/shout.json'), {
      moduleRoots: [join(directory, 'lib')],
    });
    expect(definition.modulePath).toBe(join(directory, 'lib/functions.mjs'));
    expect(definition.workflow).not.toHaveProperty('module');
    expect(definition.workflow).not.toHaveProperty('$schema');
    expect((await createBaton().run(definition)).output).toEqual({ loud: 'HEY' });
  });

  it('reports every problem with its file, line, column and step id', async () => {
    const directory = workspace({
      'bad.yaml': `name: bad
steps:
  - id: draft
    kind: llm
    promt: "x"
  - id: loop
    kind: loop
    steps:
      - id: inner
        kind: transform
        value: "1"
    until: "true"
`,
    });
    const file = relative(process.cwd(), join(directory, 'bad.yaml'));
    const problems = await problemsOf(file);
    expect(problems.map((problem) => [problem.location, problem.stepId, problem.message])).toEqual([
      [{ file, line: 3, column: 5 }, 'draft', 'Missing required field "prompt".'],
      [{ file, line: 5, column: 5 }, 'draft', 'Unrecognized key: "promt"'],
      [
        { file, line: 6, column: 5 },
        'loop',
        'A loop needs maxIterations: a cap on how many times it repeats.',
      ],
    ]);
  });

  it('lists the problems in its message as file:line:col: [step] message and ends with how to fix them', async () => {
    const directory = workspace({
      'cycle.yaml':
        'name: cycle\nsteps:\n  - id: a\n    kind: transform\n    value: "steps.b"\n  - id: b\n    kind: transform\n    value: "steps.a"\n',
    });
    const error = (await loadWorkflowFile(join(directory, 'cycle.yaml')).catch(
      (thrown: unknown) => thrown,
    )) as BatonError;
    expect(error.code).toBe('WORKFLOW_INVALID');
    expect(error.message).toMatch(
      /cycle\.yaml has 1 problem:\n.*cycle\.yaml:3:5: \[a\] Steps form a cycle: a → b → a\./,
    );
    expect(error.hint).toMatch(
      /^Fix each line above \(file:line:column\); `baton validate .*cycle\.yaml` checks the file again\.$/,
    );
  });

  it('reports a function that the module does not export at the `function` key', async () => {
    const directory = workspace({
      'f.yaml':
        'name: f\nmodule: f.ts\nsteps:\n  - id: a\n    kind: transform\n    value:\n      function: missing\n',
      'f.ts': 'export const functions = {};\n',
    });
    const [problem] = await problemsOf(join(directory, 'f.yaml'));
    expect(problem).toMatchObject({
      location: { line: 7, column: 17 },
      stepId: 'a',
      message: 'Function "missing" is not registered with the workflow.',
    });
  });

  it('reports a module whose exports have the wrong shape', async () => {
    const directory = workspace({
      'f.yaml': 'name: f\nmodule: f.ts\nsteps:\n  - id: a\n    kind: transform\n    value: "1"\n',
      'f.ts': 'export const tools = { search: { execute: 1 } };\n',
    });
    const [problem] = await problemsOf(join(directory, 'f.yaml'));
    expect(problem?.message).toContain(
      'tools.search needs an inputSchema (Zod or JSON Schema) and an execute function.',
    );
  });

  it('reports a missing module named by `module:` at that field', async () => {
    const directory = workspace({
      'f.yaml': 'name: f\nmodule: ./nowhere.ts\nsteps:\n  - id: a\n    kind: transform\n    value: "1"\n',
    });
    const [problem] = await problemsOf(join(directory, 'f.yaml'));
    expect(problem).toMatchObject({ location: { line: 2, column: 9 } });
    expect(problem?.message).toMatch(/^Module \.\/nowhere\.ts does not exist/);
  });

  it('says a file that does not exist is not found', async () => {
    await expect(loadWorkflowFile('no/such/file.yaml')).rejects.toMatchObject({ code: 'WORKFLOW_NOT_FOUND' });
  });
});

describe('parseWorkflowText', () => {
  it('points YAML syntax errors at their line and column', () => {
    try {
      parseWorkflowText('name: x\nsteps:\n  - id: a\n    kind: transform\n    kind: llm\n', 'x.yaml');
      expect.unreachable();
    } catch (error) {
      const problems = (error as BatonError).details?.problems as WorkflowFileProblem[];
      expect(problems[0]?.location.file).toBe('x.yaml');
      expect(problems[0]?.location).toEqual({ file: 'x.yaml', line: 5, column: 5 });
      expect(problems[0]?.message).toBe('YAML syntax: Map keys must be unique');
    }
  });

  it('reads JSON with the lines and columns of the JSON text', () => {
    const parsed = parseWorkflowText(
      '{\n  "name": "j",\n  "steps": [\n    { "id": "a", "kind": "transform" }\n  ]\n}\n',
      'j.json',
    );
    expect(() => parsed.validate({})).toThrow(/j\.json:4:5: \[a\] Missing required field "value"\./);
  });
});
