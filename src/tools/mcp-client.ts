import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { BatonError, type JsonSchema, type ToolDefinition } from '../core/index.js';

/** How to start an MCP server that speaks over stdio. */
export interface McpServerOptions {
  command: string;
  args?: string[];
  /** Added to a small safe environment (PATH, HOME, ...); the parent's secrets are not passed on. */
  env?: Record<string, string>;
  cwd?: string;
  /** Put before every tool name, e.g. `github_`, so tools of two servers cannot clash. */
  prefix?: string;
  /** What to do with the server's stderr. Default `inherit`. */
  stderr?: 'inherit' | 'ignore' | 'pipe';
  /** Longest wait for one tool call, in milliseconds. Default 60 000. */
  timeoutMs?: number;
}

/** The tools of a connected MCP server, ready to register, and the way to stop the server. */
export interface McpTools {
  tools: Record<string, ToolDefinition>;
  close(): Promise<void>;
}

type CallResult = Awaited<ReturnType<Client['callTool']>>;

/**
 * Starts an MCP server over stdio and turns each of its tools into a {@link ToolDefinition}
 * (its JSON Schema input included). A call's result is the tool's structured content when it has
 * some, else its text; a result flagged `isError` becomes `TOOL_FAILED`. The call's idempotency
 * key is sent in the request's `_meta`.
 *
 * @example
 * ```ts
 * const github = await connectMcpTools({ command: 'npx', args: ['-y', '@modelcontextprotocol/server-github'], prefix: 'github_' });
 * const baton = createBaton({ tools: { ...github.tools } });
 * try {
 *   await baton.run(definition);
 * } finally {
 *   await github.close();
 * }
 * ```
 */
export async function connectMcpTools(options: McpServerOptions): Promise<McpTools> {
  // Loaded on first use: the MCP SDK is an optional peer dependency (most of its packages serve
  // its server side), so only projects that connect to MCP servers install it.
  const [{ Client }, { getDefaultEnvironment, StdioClientTransport }] = await Promise.all([
    import('@modelcontextprotocol/sdk/client/index.js'),
    import('@modelcontextprotocol/sdk/client/stdio.js'),
  ]).catch((error: unknown) => {
    const missing = (error as { code?: unknown }).code === 'ERR_MODULE_NOT_FOUND';
    throw new BatonError(
      'TOOL_FAILED',
      missing
        ? 'MCP tools need the @modelcontextprotocol/sdk package, which is not installed.'
        : `The MCP SDK could not be loaded: ${messageOf(error)}`,
      {
        cause: error,
        retryable: false,
        hint: 'Run `npm install @modelcontextprotocol/sdk` in your project.',
      },
    );
  });
  const transport = new StdioClientTransport({
    command: options.command,
    args: options.args ?? [],
    env: { ...getDefaultEnvironment(), ...options.env },
    stderr: options.stderr ?? 'inherit',
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
  });
  const client = new Client({ name: 'baton', version: '0.1.0' });
  const server = [options.command, ...(options.args ?? [])].join(' ');
  try {
    await client.connect(transport);
  } catch (error) {
    throw new BatonError('TOOL_FAILED', `Could not start the MCP server \`${server}\`: ${messageOf(error)}`, {
      cause: error,
      hint: 'Run the command by hand to see why it fails, and check that it speaks MCP over stdio.',
      details: { server },
    });
  }
  const tools: Record<string, ToolDefinition> = {};
  try {
    let cursor: string | undefined;
    do {
      const page = await client.listTools(cursor === undefined ? {} : { cursor });
      for (const listed of page.tools) {
        const name = listed.name;
        const definition: ToolDefinition = {
          inputSchema: listed.inputSchema as JsonSchema,
          execute: async (input, context) => {
            const result = await client.callTool(
              {
                name,
                arguments: input as Record<string, unknown>,
                _meta: { idempotencyKey: context.idempotencyKey },
              },
              undefined,
              { signal: context.abortSignal, timeout: options.timeoutMs ?? 60_000 },
            );
            return resultOf(result, name, server);
          },
        };
        if (listed.description !== undefined) definition.description = listed.description;
        tools[`${options.prefix ?? ''}${name}`] = definition;
      }
      cursor = page.nextCursor;
    } while (cursor !== undefined);
  } catch (error) {
    await client.close();
    throw new BatonError(
      'TOOL_FAILED',
      `Could not list the tools of the MCP server \`${server}\`: ${messageOf(error)}`,
      {
        cause: error,
        hint: 'Check that the server supports the tools capability.',
        details: { server },
      },
    );
  }
  return { tools, close: () => client.close() };
}

function resultOf(result: CallResult, tool: string, server: string): unknown {
  const content = Array.isArray(result.content) ? result.content : [];
  const texts = content.flatMap((part) => (part.type === 'text' ? [part.text] : []));
  if (result.isError === true) {
    throw new BatonError('TOOL_FAILED', texts.join('\n') || `MCP tool "${tool}" reported an error.`, {
      retryable: false,
      details: { server, tool, content },
    });
  }
  if (result.structuredContent !== undefined) return result.structuredContent;
  if (texts.length === content.length) return texts.join('\n');
  return content;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
