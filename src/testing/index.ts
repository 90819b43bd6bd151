/**
 * Test doubles for Baton workflows (a scripted model, an event-driven `waitFor`) and the
 * conformance suite every `Store` adapter runs.
 * @module
 */
export {
  createScriptedModel,
  type ScriptedCall,
  type ScriptedModel,
  type ScriptedResponse,
  type ScriptTable,
} from './scripted-model.js';
export {
  describeStoreContract,
  type StoreContractGroup,
  type StoreContractOptions,
} from './store-contract.js';
export { type EventMatch, type EventSource, waitFor } from './wait-for.js';
