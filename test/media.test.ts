import { AIMessage, HumanMessage, ToolMessage, type BaseMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { MultiServerMCPClient } from "@langchain/mcp-adapters";
import { createAgent } from "langchain";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { ScriptedChatModel } from "../src/testing.js";
import { SafeToolNode, type ResultMedia } from "../src/index.js";
import { safeToolMiddleware } from "../src/middleware.js";
import { runScript } from "./helpers/agent-graphs.js";
import { aiWith, call, historyWith, weather } from "./helpers/fixtures.js";
import { applyOutput, expectValidHistory, invariantProblems } from "./helpers/invariant.js";
import { sendThroughProviders, type Provider } from "./helpers/wire.js";

const PIXEL = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";
/** The two shapes image results come in: standard (v1) blocks, and the legacy `image_url` of @langchain/mcp-adapters. */
const IMAGE_BLOCKS: Record<string, Record<string, unknown>> = {
  standard: { type: "image", source_type: "base64", mime_type: "image/png", data: PIXEL },
  image_url: { type: "image_url", image_url: { url: `data:image/png;base64,${PIXEL}` } },
};
function screenshot(block: Record<string, unknown>) {
  return tool(async () => [{ type: "text", text: "The screen:" }, block] as never, {
    name: "screenshot",
    description: "Screenshot.",
    schema: z.object({}),
  });
}
const results = (messages: readonly BaseMessage[]) =>
  messages.filter((m): m is ToolMessage => ToolMessage.isInstance(m));
const rejectedBy = async (history: readonly BaseMessage[]) =>
  (await sendThroughProviders(history)).filter((r) => r.error).map((r) => r.provider);

async function runTurn(block: Record<string, unknown>, resultMedia?: ResultMedia) {
  const history = historyWith(aiWith([call("screenshot", {}, "c1"), call("get_weather", { city: "Oslo" }, "c2")]));
  const node = new SafeToolNode([screenshot(block), weather], resultMedia ? { resultMedia } : {});
  return applyOutput(history, await node.invoke({ messages: history }));
}

describe("media in tool results", () => {
  for (const [shape, block] of Object.entries(IMAGE_BLOCKS)) {
    it(`by default replaces a ${shape} image with a note, which every provider accepts`, async () => {
      const after = await runTurn(block);
      await expectValidHistory(after);
      const [shot] = results(after);
      // Text blocks only, once the image is a note: joined into a string (Ollama's converter takes nothing else).
      expect(shot!.content).toBe(
        "The screen:\n[The tool returned an image (image/png); it cannot be passed on in a tool result.]",
      );
    });

    it(`with resultMedia: "user_message", moves a ${shape} image into a user message right after the batch's results`, async () => {
      const after = await runTurn(block, "user_message");
      expect(invariantProblems(after)).toEqual([]);
      const wire = await sendThroughProviders(after);
      // Mistral's and Ollama's converters take only image_url images in a user message.
      expect(wire.filter((r) => r.error).map((r) => r.provider)).toEqual(
        shape === "standard" ? ["mistral", "ollama"] : [],
      );
      // Bedrock wants roles to alternate; its converter sends the user message as a second user turn.
      expect(wire.find((r) => r.provider === "bedrock")).toEqual({ provider: "bedrock", limit: "alternation" });
      expect(after.slice(-3).map((m) => m.getType())).toEqual(["tool", "tool", "human"]);
      expect(String(results(after)[0]!.content)).toMatch(/it follows in the next message/);
      const carried = after.at(-1)!.content as Record<string, unknown>[];
      expect(carried[0]).toEqual({ type: "text", text: "Returned by screenshot (call c1):" });
      expect(carried[1]).toEqual(block);
    });

    it(`with resultMedia: "keep", leaves a ${shape} image in the ToolMessage, which OpenAI Chat Completions rejects, and the Mistral and Ollama clients refuse`, async () => {
      const after = await runTurn(block, "keep");
      expect(invariantProblems(after)).toEqual([]);
      expect((results(after)[0]!.content as unknown[])[1]).toEqual(block);
      const rejected: Provider[] = await rejectedBy(after);
      expect(rejected).toEqual(["openai-chat", "mistral", "ollama"]);
    });
  }

  /** Audio, video and files, as standard blocks; a file may hold plain text (LangChain's `source_type: "text"`). */
  const OTHER_MEDIA: [string, Record<string, unknown>, string][] = [
    ["audio", { type: "audio", source_type: "base64", mime_type: "audio/wav", data: "UklGRg==" }, "audio (audio/wav)"],
    [
      "a video",
      { type: "video", source_type: "url", mime_type: "video/mp4", url: "https://x.test/a.mp4" },
      "a video (video/mp4)",
    ],
    [
      "a file",
      { type: "file", source_type: "base64", mime_type: "application/pdf", data: "JVBERi0=" },
      "a file (application/pdf)",
    ],
    ["a plain-text file", { type: "file", source_type: "text", text: "notes" }, "a file"],
  ];

  it.each(OTHER_MEDIA)("by default replaces %s with a note, as an image", async (_label, block, described) => {
    const after = await runTurn(block);
    await expectValidHistory(after);
    expect(results(after)[0]!.content).toBe(
      `The screen:\n[The tool returned ${described}; it cannot be passed on in a tool result.]`,
    );
  });

  it.each(OTHER_MEDIA)('with resultMedia: "keep", leaves %s in the ToolMessage as a block', async (_label, block) => {
    const after = await runTurn(block, "keep");
    expect(invariantProblems(after)).toEqual([]);
    expect(results(after)[0]!.content).toEqual([{ type: "text", text: "The screen:" }, block]);
  });

  it("in fan-out mode, where each call is its own task, turns user_message into notes", async () => {
    const messages = await runScript(
      [aiWith([call("screenshot", {}, "c1"), call("get_weather", { city: "x" }, "c2")])],
      new SafeToolNode([screenshot(IMAGE_BLOCKS.standard!), weather], { resultMedia: "user_message" }),
      "fan-out",
    );
    await expectValidHistory(messages);
    expect(messages.some((m) => HumanMessage.isInstance(m) && Array.isArray(m.content))).toBe(false);
    expect(JSON.stringify(results(messages)[0]!.content)).toMatch(/cannot be passed on in a tool result/);
  });

  it("replaces media under createAgent with the middleware too", async () => {
    const model = new ScriptedChatModel([
      new AIMessage({ id: "m1", content: "", tool_calls: [call("screenshot", {}, "c1")] }),
      new AIMessage({ id: "m2", content: "ok" }),
    ]);
    const agent = createAgent({
      model,
      tools: [screenshot(IMAGE_BLOCKS.image_url!)],
      middleware: [safeToolMiddleware()],
    });
    const { messages } = await agent.invoke({ messages: [new HumanMessage({ id: "h", content: "go" })] });
    await expectValidHistory(messages);
    expect(JSON.stringify(results(messages)[0]!.content)).toMatch(/cannot be passed on in a tool result/);
  });

  it.each([
    ["keeps media in the result with resultMedia: keep", "keep", true],
    ["replaces media with a note with resultMedia: user_message (each call runs on its own)", "user_message", false],
  ] as const)("under createAgent with the middleware, %s", async (_label, resultMedia, kept) => {
    const agent = createAgent({
      model: new ScriptedChatModel({
        responses: [
          new AIMessage({ id: "m1", content: "", tool_calls: [call("screenshot", {}, "c1")] }),
          new AIMessage({ id: "m2", content: "ok" }),
        ],
        rejectRequest: () => undefined,
      }),
      tools: [screenshot(IMAGE_BLOCKS.standard!)],
      middleware: [safeToolMiddleware({ resultMedia })],
    });
    const { messages } = await agent.invoke({ messages: [new HumanMessage({ id: "h", content: "go" })] });
    expect(invariantProblems(messages)).toEqual([]);
    const content = results(messages)[0]!.content;
    expect(Array.isArray(content) && content.some((b) => (b as { type?: unknown }).type === "image")).toBe(kept);
    expect(JSON.stringify(content).includes("cannot be passed on in a tool result")).toBe(!kept);
    // a call of createAgent runs on its own: nothing is placed after the batch
    expect(messages.map((m) => m.getType())).toEqual(["human", "ai", "tool", "ai"]);
  });
});

describe("media from a real MCP server", () => {
  let client: MultiServerMCPClient | undefined;
  afterEach(async () => {
    await client?.close().catch(() => {});
    client = undefined;
  });

  it.each([false, true])(
    "keeps every provider's request valid when an MCP tool returns an image (standard blocks: %s)",
    async (useStandardContentBlocks) => {
      client = new MultiServerMCPClient({
        mcpServers: {
          test: {
            transport: "stdio",
            command: process.execPath,
            args: [join(import.meta.dirname, "../examples/mcp-server.mjs")],
          },
        },
        useStandardContentBlocks,
      });
      const tools = await client.getTools();
      for (const resultMedia of ["note", "user_message"] as const) {
        const history = historyWith(aiWith([call("screenshot", {}, "c1"), call("add", { a: 1, b: 2 }, "c2")]));
        const after = applyOutput(
          history,
          await new SafeToolNode(tools, { resultMedia }).invoke({ messages: history }),
        );
        expect(invariantProblems(after)).toEqual([]);
        // Mistral's and Ollama's converters take only image_url images in a user message.
        const refused = resultMedia === "user_message" && useStandardContentBlocks ? ["mistral", "ollama"] : [];
        expect(await rejectedBy(after)).toEqual(refused);
        expect(JSON.stringify(after)).toMatch(
          resultMedia === "note" ? /cannot be passed on/ : /follows in the next message/,
        );
      }
    },
    30_000,
  );
});
