/**
 * Tools for workflows: TypeScript functions with a typed input, and the tools of MCP servers.
 * @module
 */
export { defineTool, type TypedToolOptions } from './define-tool.js';
export { connectMcpTools, type McpServerOptions, type McpTools } from './mcp-client.js';
