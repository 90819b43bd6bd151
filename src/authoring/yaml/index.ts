/**
 * Workflow files: YAML or JSON compiled to the IR, with problems reported at file:line:column.
 * @module
 */
export {
  formatFileProblem,
  type LoadedWorkflow,
  loadWorkflowFile,
  type ParsedWorkflowText,
  parseWorkflowText,
  type WorkflowFileProblem,
} from './load-workflow.js';
export { locatePath } from './source-locations.js';
export {
  closeWorkflowModules,
  findWorkflowModule,
  importWorkflowModule,
  type WorkflowModule,
} from './workflow-module.js';
