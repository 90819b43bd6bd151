import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A message of an OpenAI chat request, as the server received it. */
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string | null;
  tool_calls?: Array<{ id: string; function: { name: string; arguments: string } }>;
  tool_call_id?: string;
}

/** One logged request to `/v1/chat/completions`. */
export interface ChatRequest {
  model: string;
  stream?: boolean;
  messages: ChatMessage[];
  tools?: Array<{ function: { name: string } }>;
  max_tokens?: number;
}

/** What the server answers: tool calls, or text with a finish reason (default `stop`). */
export type ChatReply =
  | { toolCalls: Array<{ name: string; args: unknown }> }
  | { text: string; finishReason?: 'stop' | 'length' }
  | { status: number; retryAfterMs?: number };

/** The system prompt of a request. */
export const systemOf = (request: ChatRequest) =>
  request.messages.find((message) => message.role === 'system')?.content ?? '';

/** The names of the tools offered in a request. */
export const toolsOf = (request: ChatRequest) => (request.tools ?? []).map((tool) => tool.function.name);

/** The tool results of a request's conversation, in order, with the tool each answers. */
export function toolResultsOf(request: ChatRequest): Array<{ tool: string; content: string }> {
  const names = new Map<string, string>();
  for (const message of request.messages) {
    for (const call of message.tool_calls ?? []) names.set(call.id, call.function.name);
  }
  return request.messages
    .filter((message) => message.role === 'tool')
    .map((message) => ({
      tool: names.get(message.tool_call_id ?? '') ?? '?',
      content: message.content ?? '',
    }));
}

/**
 * A loopback OpenAI-compatible chat server: each request is logged, and `reply` chooses the
 * answer from it (the conversation so far), so it behaves the same for a resumed run. A request
 * with `stream: true` gets the answer as server-sent events.
 */
export async function startChatServer(reply: (request: ChatRequest, index: number) => ChatReply) {
  const requests: ChatRequest[] = [];
  const server = createServer(async (incoming, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of incoming) chunks.push(chunk as Buffer);
    const request = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ChatRequest;
    const index = requests.push(request) - 1;
    let answer: ChatReply;
    try {
      answer = reply(request, index);
    } catch (error) {
      response.writeHead(500, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: { message: String(error) } }));
      return;
    }
    if ('status' in answer) {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (answer.retryAfterMs !== undefined) headers['retry-after-ms'] = String(answer.retryAfterMs);
      response.writeHead(answer.status, headers);
      response.end(JSON.stringify({ error: { message: `Refused with ${answer.status}`, type: 'requests' } }));
      return;
    }
    const message =
      'toolCalls' in answer
        ? {
            role: 'assistant',
            content: null,
            tool_calls: answer.toolCalls.map((call, position) => ({
              id: `call_${index}_${position}`,
              type: 'function',
              function: { name: call.name, arguments: JSON.stringify(call.args) },
            })),
          }
        : { role: 'assistant', content: answer.text };
    const finish = 'toolCalls' in answer ? 'tool_calls' : (answer.finishReason ?? 'stop');
    if (request.stream) {
      streamReply(response, index, request.model, message, finish);
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(
      JSON.stringify({
        id: `chatcmpl-${index}`,
        object: 'chat.completion',
        created: 1_700_000_000,
        model: request.model,
        choices: [{ index: 0, message, finish_reason: finish }],
        usage: { prompt_tokens: 20, completion_tokens: 5, total_tokens: 25 },
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    /** A baton.config.yaml whose provider `loop` is this server, and `smart` its model. */
    config: `models:\n  aliases:\n    smart: loop:chat-model\n  providers:\n    loop:\n      baseURL: http://127.0.0.1:${port}/v1\n`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * The same answer as server-sent events, the way the provider streams it: the text a word per
 * chunk, each tool call's arguments in two chunks, then the finish and the usage.
 */
function streamReply(
  response: ServerResponse,
  index: number,
  model: string,
  message: {
    content: string | null;
    tool_calls?: Array<{ id: string; function: { name: string; arguments: string } }>;
  },
  finish: string,
) {
  const chunk = (delta: unknown, finishReason: string | null = null, usage: unknown = null) =>
    `data: ${JSON.stringify({
      id: `chatcmpl-${index}`,
      object: 'chat.completion.chunk',
      created: 1_700_000_000,
      model,
      choices: usage ? [] : [{ index: 0, delta, finish_reason: finishReason }],
      usage,
    })}\n\n`;
  response.writeHead(200, { 'content-type': 'text/event-stream' });
  response.write(chunk({ role: 'assistant', content: '' }));
  for (const word of message.content?.match(/\s*\S+\s*/g) ?? []) response.write(chunk({ content: word }));
  for (const [position, call] of (message.tool_calls ?? []).entries()) {
    const args = call.function.arguments;
    const half = Math.ceil(args.length / 2);
    response.write(
      chunk({
        tool_calls: [
          {
            index: position,
            id: call.id,
            type: 'function',
            function: { name: call.function.name, arguments: args.slice(0, half) },
          },
        ],
      }),
    );
    response.write(chunk({ tool_calls: [{ index: position, function: { arguments: args.slice(half) } }] }));
  }
  response.write(chunk({}, finish));
  response.write(chunk({}, null, { prompt_tokens: 20, completion_tokens: 5, total_tokens: 25 }));
  response.end('data: [DONE]\n\n');
}
