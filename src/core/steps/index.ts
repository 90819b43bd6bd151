import type { StepHandler } from '../runner/run-state.js';
import { agentStep } from './agent-step.js';
import { approvalStep } from './approval-step.js';
import { branchStep } from './branch-step.js';
import { llmStep } from './llm-step.js';
import { loopStep } from './loop-step.js';
import { mapStep } from './map-step.js';
import { toolStep } from './tool-step.js';
import { transformStep } from './transform-step.js';
import { workflowStep } from './workflow-step.js';

/** The step kinds of the core engine, by `kind`. */
export const coreStepHandlers: Readonly<Record<string, StepHandler>> = {
  transform: transformStep as StepHandler,
  llm: llmStep as StepHandler,
  tool: toolStep as StepHandler,
  branch: branchStep as StepHandler,
  map: mapStep as StepHandler,
  loop: loopStep as StepHandler,
  workflow: workflowStep as StepHandler,
  agent: agentStep as StepHandler,
  approval: approvalStep as StepHandler,
};
