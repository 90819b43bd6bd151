import * as incubating from '@opentelemetry/semantic-conventions/incubating';
import { describe, expect, it } from 'vitest';
import { genAi, genAiMetric, genAiModel, genAiOperation } from '../../src/observe/gen-ai-conventions.js';

describe('the GenAI convention names', () => {
  it('are the ones @opentelemetry/semantic-conventions publishes', () => {
    const published = new Set(Object.values(incubating).filter((value) => typeof value === 'string'));
    const ours = [...Object.values(genAi), ...Object.values(genAiMetric), ...Object.values(genAiOperation)];
    expect(ours.filter((name) => !published.has(name))).toEqual([]);
    expect(genAi.operationName).toBe(incubating.ATTR_GEN_AI_OPERATION_NAME);
    expect(genAi.providerName).toBe(incubating.ATTR_GEN_AI_PROVIDER_NAME);
    expect(genAi.toolCallId).toBe(incubating.ATTR_GEN_AI_TOOL_CALL_ID);
    expect(genAiMetric.tokenUsage).toBe(incubating.METRIC_GEN_AI_CLIENT_TOKEN_USAGE);
    expect(genAiMetric.operationDuration).toBe(incubating.METRIC_GEN_AI_CLIENT_OPERATION_DURATION);
    expect(genAiOperation.invokeWorkflow).toBe(incubating.GEN_AI_OPERATION_NAME_VALUE_INVOKE_WORKFLOW);
  });
});

describe('genAiModel', () => {
  it('names the provider as the conventions do and drops Baton prefix and options from the model', () => {
    expect(genAiModel('openai:gpt-4o-mini')).toEqual({
      provider: incubating.GEN_AI_PROVIDER_NAME_VALUE_OPENAI,
      model: 'gpt-4o-mini',
    });
    expect(genAiModel('anthropic.messages:claude-haiku')).toEqual({
      provider: 'anthropic',
      model: 'claude-haiku',
    });
    expect(genAiModel('amazon-bedrock:nova')).toEqual({
      provider: incubating.GEN_AI_PROVIDER_NAME_VALUE_AWS_BEDROCK,
      model: 'nova',
    });
    expect(genAiModel('google.vertex.chat:gemini')).toEqual({ provider: 'gcp.vertex_ai', model: 'gemini' });
    expect(genAiModel('mock:fast?latencyMs=5')).toEqual({ provider: 'mock', model: 'fast' });
    expect(genAiModel('ollama:llama3.2:1b')).toEqual({ provider: 'ollama', model: 'llama3.2:1b' });
    expect(genAiModel('plain')).toEqual({ provider: undefined, model: 'plain' });
  });
});
