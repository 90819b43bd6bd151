/**
 * Test doubles for Baton workflows (a scripted model, an event-driven `waitFor`). The conformance
 * suite every `Store` adapter runs is `baton/testing/store-contract`, which needs vitest; this
 * entry does not.
 * @module
 */
export { createTestBaton, type TestBatonOptions } from './create-test-baton.js';
export { createScriptedModel, type ScriptedModel, type ScriptedResponse } from './scripted-model.js';
export { type EventMatch, type EventSource, waitFor } from './wait-for.js';
