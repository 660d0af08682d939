// A small MCP server on stdio (used by examples/mcp-agent.ts and the MCP tests): one tool that works, one
// that returns an image, and one for each way an MCP tool call goes wrong.
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { z } from "zod";

const server = new McpServer({ name: "safe-tool-node-test", version: "1.0.0" });

server.tool("add", "Add two numbers.", { a: z.number(), b: z.number() }, async ({ a, b }) => ({
  content: [{ type: "text", text: String(a + b) }],
}));
server.tool("refuse", "Always reports a tool error.", {}, async () => ({
  isError: true,
  content: [{ type: "text", text: "quota exceeded for this key" }],
}));
server.tool("hang", "Never answers.", {}, () => new Promise(() => {}));
server.tool("die", "Kills the server in the middle of the call.", {}, async () => {
  setTimeout(() => process.exit(3), 20);
  return new Promise(() => {});
});
// A 1x1 PNG: MCP image results arrive as image blocks, which OpenAI Chat Completions rejects in a tool message.
const PIXEL = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";
server.tool("screenshot", "Takes a screenshot.", {}, async () => ({
  content: [
    { type: "text", text: "Here is the screen." },
    { type: "image", data: PIXEL, mimeType: "image/png" },
  ],
}));
server.tool("garbled", "Answers with a result that is not a valid MCP result.", {}, async () => ({
  content: "this should be a list of content blocks",
}));

await server.connect(new StdioServerTransport());
