import type {
  LanguageModelV4CallOptions,
  LanguageModelV4Content,
  LanguageModelV4FunctionTool,
} from '@ai-sdk/provider';

/** The function tools a call offers, unless its tool choice rules them out. */
export function offeredTools(call: LanguageModelV4CallOptions): LanguageModelV4FunctionTool[] {
  if (call.toolChoice?.type === 'none') return [];
  const tools = (call.tools ?? []).filter(
    (tool): tool is LanguageModelV4FunctionTool => tool.type === 'function',
  );
  const choice = call.toolChoice;
  return choice?.type === 'tool' ? tools.filter((tool) => tool.name === choice.toolName) : tools;
}

/**
 * The JSON schema a local model's answer is held to when it is offered tools: a call
 * `{ "tool": name, "input": {...} }` of one of them, with the input fitting that tool's schema, or
 * (unless a tool call is required) an answer `{ "answer": "..." }`. A grammar built from it makes
 * every call well-formed, whatever the model.
 */
export function toolCallSchema(tools: readonly LanguageModelV4FunctionTool[], required: boolean): object {
  const calls = tools.map((tool) => {
    const { $schema: _dialect, ...input } = tool.inputSchema as Record<string, unknown>;
    return {
      type: 'object',
      properties: { tool: { const: tool.name }, input },
      required: ['tool', 'input'],
      additionalProperties: false,
    };
  });
  const answer = {
    type: 'object',
    properties: { answer: { type: 'string' } },
    required: ['answer'],
    additionalProperties: false,
  };
  return { oneOf: required ? calls : [...calls, answer] };
}

/** A system message that lists the tools and the answer format, for models that read instructions. */
export function describeTools(tools: readonly LanguageModelV4FunctionTool[]): string {
  const lines = tools.map(
    (tool) =>
      `- ${tool.name}${tool.description ? `: ${tool.description}` : ''}. Input: ${JSON.stringify(tool.inputSchema)}`,
  );
  return [
    'You can call one of these tools by answering {"tool": "<name>", "input": {...}}, or answer the user with {"answer": "<text>"}.',
    ...lines,
  ].join('\n');
}

/** The content of a tool-constrained answer: a tool call, or the answer's text. */
export function toolAnswerContent(text: string, callNumber: number): LanguageModelV4Content[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return [{ type: 'text', text }];
  }
  const answer = parsed as { tool?: unknown; input?: unknown; answer?: unknown };
  if (typeof answer.tool === 'string') {
    return [
      {
        type: 'tool-call',
        toolCallId: `local-call-${callNumber}`,
        toolName: answer.tool,
        input: JSON.stringify(answer.input ?? {}),
      },
    ];
  }
  return [{ type: 'text', text: typeof answer.answer === 'string' ? answer.answer : text }];
}
