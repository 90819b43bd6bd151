/**
 * The OpenTelemetry GenAI semantic conventions Baton emits, as plain strings. They are
 * "Development" status and live only on the `incubating` entry of
 * `@opentelemetry/semantic-conventions`, which may rename them in a minor release, so (as that
 * package advises instrumentations) they are copied here; a test compares every one with the
 * package.
 */

export const genAi = {
  operationName: 'gen_ai.operation.name',
  providerName: 'gen_ai.provider.name',
  requestModel: 'gen_ai.request.model',
  requestTemperature: 'gen_ai.request.temperature',
  requestMaxTokens: 'gen_ai.request.max_tokens',
  responseModel: 'gen_ai.response.model',
  responseId: 'gen_ai.response.id',
  responseFinishReasons: 'gen_ai.response.finish_reasons',
  usageInputTokens: 'gen_ai.usage.input_tokens',
  usageOutputTokens: 'gen_ai.usage.output_tokens',
  usageCacheReadInputTokens: 'gen_ai.usage.cache_read.input_tokens',
  systemInstructions: 'gen_ai.system_instructions',
  inputMessages: 'gen_ai.input.messages',
  outputMessages: 'gen_ai.output.messages',
  toolName: 'gen_ai.tool.name',
  toolCallId: 'gen_ai.tool.call.id',
  toolCallArguments: 'gen_ai.tool.call.arguments',
  toolCallResult: 'gen_ai.tool.call.result',
  workflowName: 'gen_ai.workflow.name',
  agentName: 'gen_ai.agent.name',
  tokenType: 'gen_ai.token.type',
  errorType: 'error.type',
} as const;

/** Values of `gen_ai.operation.name`; span names start with them. */
export const genAiOperation = {
  chat: 'chat',
  executeTool: 'execute_tool',
  invokeAgent: 'invoke_agent',
  invokeWorkflow: 'invoke_workflow',
} as const;

export const genAiMetric = {
  tokenUsage: 'gen_ai.client.token.usage',
  operationDuration: 'gen_ai.client.operation.duration',
} as const;

/** The explicit bucket boundaries the conventions give for the two client histograms. */
export const genAiBuckets = {
  tokenUsage: [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864],
  operationDuration: [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92],
} as const;

/** Baton's provider names whose `gen_ai.provider.name` differs or is spelled by the conventions. */
const providerNames: Readonly<Record<string, string>> = {
  openai: 'openai',
  anthropic: 'anthropic',
  azure: 'azure.ai.openai',
  bedrock: 'aws.bedrock',
  'amazon-bedrock': 'aws.bedrock',
  cohere: 'cohere',
  deepseek: 'deepseek',
  gemini: 'gcp.gemini',
  google: 'gcp.gemini',
  vertex: 'gcp.vertex_ai',
  'google.vertex': 'gcp.vertex_ai',
  groq: 'groq',
  mistral: 'mistral_ai',
  perplexity: 'perplexity',
  xai: 'x_ai',
};

/**
 * Splits Baton's model name (`openai:gpt-4o-mini`, `mock:fast?latencyMs=5`, or an AI SDK model's
 * `openai.chat:gpt-4o-mini`) into the conventions' provider name and the model name the provider
 * knows. A provider the conventions do not list (`ollama`, `local`, a configured proxy) keeps
 * Baton's name, without the AI SDK's API suffix.
 */
export function genAiModel(batonModel: string): { provider: string | undefined; model: string } {
  const colon = batonModel.indexOf(':');
  if (colon < 0) return { provider: undefined, model: batonModel };
  const prefix = batonModel.slice(0, colon);
  const model = batonModel.slice(colon + 1).replace(/\?.*$/, '');
  const [first = prefix, second] = prefix.split('.');
  const provider =
    providerNames[prefix] ?? providerNames[`${first}.${second}`] ?? providerNames[first] ?? first;
  return { provider, model };
}

/**
 * Whether message content is recorded when the caller did not say: the environment variable the
 * GenAI instrumentations read.
 */
export function captureContentFromEnvironment(environment: NodeJS.ProcessEnv = process.env): boolean {
  return environment.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT?.toLowerCase() === 'true';
}
