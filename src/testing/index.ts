/**
 * Test doubles for Baton workflows: a scripted model and an event-driven `waitFor`.
 * @module
 */
export { createScriptedModel, type ScriptedModel, type ScriptedResponse } from './scripted-model.js';
export { type EventMatch, type EventSource, waitFor } from './wait-for.js';
