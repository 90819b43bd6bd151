import type { RunRecord, StepRecord, WorkflowDefinition } from '../core/index.js';
import { executeGraph } from '../core/runner/execute-graph.js';
import type { EngineServices, GraphResult, RunState } from '../core/runner/run-state.js';

/** One pass of the engine's graph executor over a journaled run, as a worker or a commit makes it. */
export interface GraphPass {
  record: RunRecord;
  definition: WorkflowDefinition;
  services: EngineServices;
  replay: ReadonlyMap<string, StepRecord>;
  signal: AbortSignal;
  emit: RunState['emit'];
  lease: RunState['lease'];
  journal: RunState['journal'];
  /** Which top-level steps run in this pass; the rest are left to their jobs. */
  runsHere: (path: string) => boolean;
  deferRetries: boolean;
}

/** Runs the pass; resolves with the graph's outcome and the scope the run's output is rendered in. */
export async function runGraphPass(pass: GraphPass) {
  const { record, definition } = pass;
  const run: RunState = {
    id: record.id,
    definition,
    services: pass.services,
    signal: pass.signal,
    replay: pass.replay,
    emit: pass.emit,
    lease: pass.lease,
    journal: pass.journal,
    usage: { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 },
    costUsd: 0,
    unpriced: false,
    budget: undefined,
    cache: true,
    runsHere: pass.runsHere,
    deferRetries: pass.deferRetries,
  };
  const scope = { input: record.input, steps: {}, run: { id: record.id, workflow: record.workflowName } };
  const graph: Promise<GraphResult> = executeGraph(
    run,
    definition.workflow.steps,
    '',
    scope,
    pass.signal,
    definition.functions,
  );
  return { graph, scope };
}
