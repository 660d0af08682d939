/**
 * `npm run bench`: SafeToolNode against the floor (a bare Promise.all over
 * tool.invoke for the same calls) and LangGraph's ToolNode, in one process,
 * the contenders interleaved round by round, reporting medians and ratios.
 * Writes the numbers as JSON to bench-results/ for comparison with later runs.
 *
 * Options: --rounds N (default 15), --quick (fewer rounds and cases), --out FILE.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { AIMessage, HumanMessage, ToolMessage, type BaseMessage } from "@langchain/core/messages";
import type { ToolCall } from "@langchain/core/messages/tool";
import { tool, type StructuredToolInterface } from "@langchain/core/tools";
import { END, MemorySaver, MessagesAnnotation, START, Send, StateGraph } from "@langchain/langgraph";
import { ToolNode } from "@langchain/langgraph/prebuilt";
import { z } from "zod";
import { SafeToolNode, safeToolsFanOut } from "../../src/index.js";

const { values } = parseArgs({
  options: { rounds: { type: "string" }, quick: { type: "boolean", default: false }, out: { type: "string" } },
});
const QUICK = values.quick;
const ROUNDS = Number(values.rounds ?? (QUICK ? 5 : 15));

// ---------- fixtures ----------

function makeTools(count: number, ioMs = 0): StructuredToolInterface[] {
  return Array.from({ length: count }, (_, i) =>
    tool(
      async ({ q }: { q: string }) => {
        if (ioMs > 0) await new Promise((r) => setTimeout(r, ioMs));
        return `tool_${i} answered ${q}`;
      },
      { name: `tool_${i}`, description: `Tool number ${i}.`, schema: z.object({ q: z.string() }) },
    ),
  );
}

const failing = tool(
  async (): Promise<string> => {
    throw new Error("backend unavailable");
  },
  { name: "failing", description: "Always fails.", schema: z.object({ q: z.string() }) },
);

/** A history of `length` messages ending with an AIMessage that makes `calls` calls. */
function makeHistory(length: number, calls: ToolCall[], invalid: AIMessage["invalid_tool_calls"] = []): BaseMessage[] {
  const history: BaseMessage[] = [];
  let turn = 0;
  while (history.length < length - 2) {
    const id = `old_${turn}`;
    history.push(new HumanMessage({ content: `question ${turn}`, id: `h${turn}` }));
    history.push(
      new AIMessage({
        content: "",
        id: `a${turn}`,
        tool_calls: [{ id, name: "tool_0", args: { q: "x" }, type: "tool_call" }],
      }),
    );
    history.push(new ToolMessage({ content: "old result", tool_call_id: id, name: "tool_0", id: `t${turn}` }));
    turn += 1;
  }
  history.length = Math.max(0, length - 2);
  history.push(new HumanMessage({ content: "now", id: "h-now" }));
  history.push(new AIMessage({ content: "", id: "a-now", tool_calls: calls, invalid_tool_calls: invalid }));
  return history;
}

function makeCalls(count: number, toolCount: number, prefix = "call"): ToolCall[] {
  // Spread calls over the registry, last tools included (the worst case for a linear search).
  return Array.from({ length: count }, (_, i) => ({
    type: "tool_call" as const,
    id: `${prefix}_${i}`,
    name: `tool_${toolCount - 1 - (i % toolCount)}`,
    args: { q: `q${i}` },
  }));
}

// ---------- measurement ----------

type Contender = { name: string; run: () => Promise<unknown> };

interface CaseResult {
  case: string;
  group: string;
  medians: Record<string, number>;
  ratios: { safeToFloor: number; safeToToolNode: number; safeToFloorWithRuntime?: number };
  toolNodeValid: boolean;
  unit: "µs" | "ms";
}

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Times each contender for `ops` operations per round, for `rounds` rounds,
 * rotating which contender goes first so that warm-up and GC pressure fall
 * on all of them alike. Returns the median time per operation in µs, and
 * the median of the per-round ratios SafeToolNode/floor and
 * SafeToolNode/ToolNode: contenders measured back to back in one round share
 * the machine's state, so their ratio is steadier than a ratio of medians
 * on a noisy machine.
 */
async function measure(contenders: Contender[], ops: number, rounds: number) {
  for (const c of contenders) for (let i = 0; i < Math.min(ops, 3); i++) await c.run(); // warm-up
  const samples: Record<string, number[]> = Object.fromEntries(contenders.map((c) => [c.name, []]));
  const toFloor: number[] = [];
  const toToolNode: number[] = [];
  const toFloorRuntime: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const thisRound: Record<string, number> = {};
    for (let k = 0; k < contenders.length; k++) {
      const c = contenders[(round + k) % contenders.length]!;
      gc?.(); // collect the previous contender's garbage outside the timed span
      const start = process.hrtime.bigint();
      for (let i = 0; i < ops; i++) await c.run();
      thisRound[c.name] = Number(process.hrtime.bigint() - start) / 1000 / ops;
      samples[c.name]!.push(thisRound[c.name]!);
    }
    toFloor.push(thisRound.SafeToolNode! / thisRound.floor!);
    toToolNode.push(thisRound.SafeToolNode! / thisRound.ToolNode!);
    if (thisRound["floor+runtime"] !== undefined)
      toFloorRuntime.push(thisRound.SafeToolNode! / thisRound["floor+runtime"]!);
  }
  return {
    medians: Object.fromEntries(Object.entries(samples).map(([name, xs]) => [name, median(xs)])) as Record<
      string,
      number
    >,
    ratios: {
      safeToFloor: median(toFloor),
      safeToToolNode: median(toToolNode),
      ...(toFloorRuntime.length ? { safeToFloorWithRuntime: median(toFloorRuntime) } : {}),
    },
  };
}

const results: CaseResult[] = [];
const gc = (globalThis as { gc?: () => void }).gc;

async function benchCase(
  group: string,
  label: string,
  options: {
    tools: StructuredToolInterface[];
    history: BaseMessage[];
    calls: ToolCall[];
    ops: number;
    toolNodeValid?: boolean;
    rounds?: number;
    safeOptions?: ConstructorParameters<typeof SafeToolNode>[1];
    unit?: "µs" | "ms";
  },
) {
  const { tools, history, calls, ops } = options;
  const byName = new Map(tools.map((t) => [t.name, t]));
  const toolNode = new ToolNode(tools);
  const safe = new SafeToolNode(tools, options.safeOptions);
  const input = { messages: history };
  // The per-call runtime every tool gets from ToolNode and SafeToolNode
  // (state, toolCallId, config, ...): the floor with it shows what the
  // runtime alone costs inside @langchain/core.
  const base = { tags: [], metadata: {}, recursionLimit: 25 };
  const withRuntime = (c: ToolCall) =>
    Object.assign({}, base, {
      state: input,
      toolCallId: c.id,
      toolCall: c,
      config: base,
      store: null,
      writer: null,
      idempotencyKey: `t:a:${c.id}`,
    });
  const contenders: Contender[] = [
    {
      name: "floor",
      run: () =>
        Promise.all(
          calls.map((c) =>
            byName
              .get(c.name)!
              .invoke(c)
              .catch((e: unknown) => e),
          ),
        ),
    },
    {
      name: "floor+runtime",
      run: () =>
        Promise.all(
          calls.map((c) =>
            byName
              .get(c.name)!
              .invoke(c, withRuntime(c) as never)
              .catch((e: unknown) => e),
          ),
        ),
    },
    { name: "ToolNode", run: () => toolNode.invoke(input).catch((e: unknown) => e) },
    { name: "SafeToolNode", run: () => safe.invoke(input) },
  ];
  const { medians, ratios } = await measure(contenders, ops, options.rounds ?? ROUNDS);
  const unit = options.unit ?? "µs";
  const scaled = unit === "ms" ? Object.fromEntries(Object.entries(medians).map(([k, v]) => [k, v / 1000])) : medians;
  const result: CaseResult = {
    case: label,
    group,
    medians: scaled,
    ratios,
    toolNodeValid: options.toolNodeValid ?? true,
    unit,
  };
  results.push(result);
  const fmt = (v: number) => (unit === "ms" ? `${v.toFixed(1)} ms` : `${v.toFixed(1)} µs`);
  console.log(
    `${group.padEnd(12)} ${label.padEnd(34)} floor ${fmt(scaled.floor!).padStart(11)}  ToolNode ${fmt(scaled.ToolNode!).padStart(11)}  SafeToolNode ${fmt(scaled.SafeToolNode!).padStart(11)}  safe/floor ${result.ratios.safeToFloor.toFixed(2)}  safe/(floor+runtime) ${result.ratios.safeToFloorWithRuntime?.toFixed(2) ?? "-"}  safe/ToolNode ${result.ratios.safeToToolNode.toFixed(2)}${result.toolNodeValid ? "" : " (ToolNode's history invalid)"}`,
  );
}

// ---------- cases ----------

const opsFor = (calls: number) => Math.max(1, Math.round(400 / calls));

console.log(
  `SafeToolNode benchmark: ${ROUNDS} rounds, medians per node run; node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}\n`,
);

const five = makeTools(5);
for (const n of QUICK ? [1, 10, 100] : [1, 10, 100, 1000]) {
  await benchCase("calls", `${n} call${n > 1 ? "s" : ""}, 5 tools, 2 messages`, {
    tools: five,
    history: makeHistory(2, makeCalls(n, 5)),
    calls: makeCalls(n, 5),
    ops: opsFor(n),
  });
}
for (const t of QUICK ? [5, 1000] : [5, 100, 1000]) {
  const tools = makeTools(t);
  await benchCase("tools", `10 calls, ${t} tools, 2 messages`, {
    tools,
    history: makeHistory(2, makeCalls(10, t)),
    calls: makeCalls(10, t),
    ops: opsFor(10),
  });
}
for (const h of QUICK ? [2, 20_000] : [2, 200, 2_000, 20_000]) {
  await benchCase("history", `10 calls, 5 tools, ${h} messages`, {
    tools: five,
    history: makeHistory(h, makeCalls(10, 5)),
    calls: makeCalls(10, 5),
    ops: opsFor(10),
  });
}
{
  const tools = makeTools(1000);
  for (const n of [1, 10]) {
    await benchCase("worst", `${n} call${n > 1 ? "s" : ""}, 1000 tools, 20000 messages`, {
      tools,
      history: makeHistory(20_000, makeCalls(n, 1000)),
      calls: makeCalls(n, 1000),
      ops: opsFor(n),
    });
  }
}
{
  // Every call fails: half throw, half are invalid calls (which ToolNode leaves unanswered).
  const tools = [...makeTools(5), failing];
  const throwing = Array.from({ length: 5 }, (_, i) => ({
    type: "tool_call" as const,
    id: `f_${i}`,
    name: "failing",
    args: { q: "x" },
  }));
  const invalid = Array.from({ length: 5 }, (_, i) => ({
    type: "invalid_tool_call" as const,
    id: `bad_${i}`,
    name: "tool_0",
    args: '{"q": ',
    error: "Unexpected end of JSON input",
  }));
  await benchCase("failures", "10 failing calls (5 throw, 5 invalid)", {
    tools,
    history: makeHistory(2, throwing, invalid),
    calls: throwing,
    ops: opsFor(10),
    toolNodeValid: false,
  });
}
{
  // 1,000 calls that each wait 20 ms: wall time shows real concurrency.
  const tools = makeTools(5, 20);
  const calls = makeCalls(1000, 5);
  const history = makeHistory(2, calls);
  await benchCase("io", "1000 calls × 20 ms I/O (wall)", {
    tools,
    history,
    calls,
    ops: 1,
    rounds: QUICK ? 3 : 5,
    unit: "ms",
  });
  await benchCase("io", "same, SafeToolNode maxConcurrency 10", {
    tools,
    history,
    calls,
    ops: 1,
    rounds: QUICK ? 1 : 2,
    unit: "ms",
    safeOptions: { maxConcurrency: 10 },
  });
}
{
  // Through a compiled StateGraph (node plus the messages reducer), as users run it.
  for (const h of [2, 2_000]) {
    const calls = makeCalls(10, 5);
    const history = makeHistory(h, calls);
    const graphOf = (node: ToolNode | SafeToolNode) =>
      new StateGraph(MessagesAnnotation).addNode("tools", node).addEdge(START, "tools").compile();
    const toolNodeGraph = graphOf(new ToolNode(five));
    const safeGraph = graphOf(new SafeToolNode(five));
    const byName = new Map(five.map((t) => [t.name, t]));
    const { medians, ratios } = await measure(
      [
        { name: "floor", run: () => Promise.all(calls.map((c) => byName.get(c.name)!.invoke(c))) },
        { name: "ToolNode", run: () => toolNodeGraph.invoke({ messages: history }) },
        { name: "SafeToolNode", run: () => safeGraph.invoke({ messages: history }) },
      ],
      opsFor(10) / 2,
      ROUNDS,
    );
    const result: CaseResult = {
      case: `10 calls, ${h} messages, compiled graph`,
      group: "graph",
      medians,
      ratios,
      toolNodeValid: true,
      unit: "µs",
    };
    results.push(result);
    console.log(
      `${"graph".padEnd(12)} ${result.case.padEnd(34)} floor ${medians.floor!.toFixed(1).padStart(8)} µs  ToolNode ${medians.ToolNode!.toFixed(1).padStart(8)} µs  SafeToolNode ${medians.SafeToolNode!.toFixed(1).padStart(8)} µs  safe/ToolNode ${result.ratios.safeToToolNode.toFixed(2)}`,
    );
  }
}

// Durable mode: with a checkpointer, as production agents run. ToolNode with
// the same checkpointer is the baseline of SafeToolNode (batch); a
// createAgent-style Send per call to a ToolNode is the baseline of
// safeToolsFanOut. Each run is a fresh thread.
const durable: {
  case: string;
  checkpointer: string;
  calls: number;
  ioMs: number;
  ratios: Record<string, number>;
  medians: Record<string, number>;
}[] = [];
{
  const { SqliteSaver } = await import("@langchain/langgraph-checkpoint-sqlite");
  const savers = { memory: () => new MemorySaver(), sqlite: () => SqliteSaver.fromConnString(":memory:") };
  const sendPerCall = (state: typeof MessagesAnnotation.State) =>
    ((state.messages.at(-1) as AIMessage).tool_calls ?? []).map(
      (c) => new Send("tools", { ...state, lg_tool_call: c }),
    );
  let thread = 0;
  for (const [saverName, makeSaver] of Object.entries(savers)) {
    for (const [calls, ioMs] of QUICK
      ? ([
          [100, 0],
          [10, 20],
        ] as const)
      : ([
          [10, 20],
          [100, 20],
          [100, 0],
        ] as const)) {
      const tools = makeTools(5, ioMs);
      const turn = makeCalls(calls, 5);
      const history = makeHistory(2, turn);
      const graphOf = (node: ToolNode | SafeToolNode, router?: (s: typeof MessagesAnnotation.State) => unknown) => {
        const builder = new StateGraph(MessagesAnnotation).addNode("tools", node);
        const wired = router
          ? builder.addConditionalEdges(START, router as never, ["tools", END])
          : builder.addEdge(START, "tools");
        return wired.compile({ checkpointer: makeSaver() });
      };
      const graphs = {
        ToolNode: graphOf(new ToolNode(tools)),
        SafeToolNode: graphOf(new SafeToolNode(tools)),
        "ToolNode, Send per call": graphOf(new ToolNode(tools), sendPerCall),
        safeToolsFanOut: graphOf(new SafeToolNode(tools), safeToolsFanOut("tools")),
      };
      const contenders: Contender[] = Object.entries(graphs).map(([name, graph]) => ({
        name,
        run: () => graph.invoke({ messages: history }, { configurable: { thread_id: `bench-${++thread}` } }),
      }));
      const rounds = QUICK ? 3 : ROUNDS;
      for (const c of contenders) await c.run(); // warm-up
      const samples: Record<string, number[]> = Object.fromEntries(contenders.map((c) => [c.name, []]));
      const batch: number[] = [];
      const fanOut: number[] = [];
      for (let round = 0; round < rounds; round++) {
        const thisRound: Record<string, number> = {};
        for (let k = 0; k < contenders.length; k++) {
          const c = contenders[(round + k) % contenders.length]!;
          gc?.();
          const start = process.hrtime.bigint();
          await c.run();
          thisRound[c.name] = Number(process.hrtime.bigint() - start) / 1e6;
          samples[c.name]!.push(thisRound[c.name]!);
        }
        batch.push(thisRound.SafeToolNode! / thisRound.ToolNode!);
        fanOut.push(thisRound.safeToolsFanOut! / thisRound["ToolNode, Send per call"]!);
      }
      const medians = Object.fromEntries(Object.entries(samples).map(([name, xs]) => [name, median(xs)]));
      const entry = {
        case: `${calls} calls${ioMs ? ` × ${ioMs} ms` : ", instant"}, ${saverName}`,
        checkpointer: saverName,
        calls,
        ioMs,
        medians,
        ratios: { batch: median(batch), fanOut: median(fanOut) },
      };
      durable.push(entry);
      console.log(
        `${"durable".padEnd(12)} ${entry.case.padEnd(34)} ToolNode ${medians.ToolNode!.toFixed(1).padStart(7)} ms  SafeToolNode ${medians.SafeToolNode!.toFixed(1).padStart(7)} ms  (${entry.ratios.batch.toFixed(2)})  Send/call ${medians["ToolNode, Send per call"]!.toFixed(1).padStart(7)} ms  fan-out ${medians.safeToolsFanOut!.toFixed(1).padStart(7)} ms  (${entry.ratios.fanOut.toFixed(2)})`,
      );
    }
  }
}

// Ordering per key: 100 calls over 10 keys, tools sleeping 20 ms, beside the unkeyed node in the same rounds.
// The keys set a bound: the longest chain of calls sharing a key (10) × 20 ms.
const keyed: { unkeyedMs: number; keyedMs: number; boundMs: number; keyedToBound: number } = {
  unkeyedMs: 0,
  keyedMs: 0,
  boundMs: 0,
  keyedToBound: 0,
};
{
  const tools = makeTools(5, 20);
  const calls = makeCalls(100, 5);
  const history = makeHistory(2, calls);
  const keyOf = (call: { id?: string }) => `key_${Number(String(call.id).split("_").at(-1)) % 10}`;
  const contenders: Contender[] = [
    { name: "unkeyed", run: () => new SafeToolNode(tools).invoke({ messages: history }) },
    { name: "keyed", run: () => new SafeToolNode(tools, { concurrencyKey: keyOf }).invoke({ messages: history }) },
  ];
  const rounds = QUICK ? 2 : 5;
  const samples: Record<string, number[]> = { unkeyed: [], keyed: [] };
  for (const c of contenders) await c.run(); // warm-up
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < contenders.length; k++) {
      const c = contenders[(round + k) % contenders.length]!;
      gc?.();
      const start = process.hrtime.bigint();
      await c.run();
      samples[c.name]!.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
  }
  keyed.unkeyedMs = median(samples.unkeyed!);
  keyed.keyedMs = median(samples.keyed!);
  keyed.boundMs = 10 * 20;
  keyed.keyedToBound = keyed.keyedMs / keyed.boundMs;
  console.log(
    `${"keys".padEnd(12)} ${"100 calls over 10 keys × 20 ms".padEnd(34)} unkeyed ${keyed.unkeyedMs.toFixed(1).padStart(7)} ms  keyed ${keyed.keyedMs.toFixed(1).padStart(7)} ms  bound ${keyed.boundMs} ms  keyed/bound ${keyed.keyedToBound.toFixed(2)}`,
  );
}

// Heap growth per call for the 1,000-call batch (needs --expose-gc).
const heap: Record<string, number> = {};
{
  const calls = makeCalls(1000, 5);
  const history = makeHistory(2, calls);
  const byName = new Map(five.map((t) => [t.name, t]));
  const runs: Contender[] = [
    { name: "floor", run: () => Promise.all(calls.map((c) => byName.get(c.name)!.invoke(c))) },
    { name: "ToolNode", run: () => new ToolNode(five).invoke({ messages: history }) },
    { name: "SafeToolNode", run: () => new SafeToolNode(five).invoke({ messages: history }) },
  ];
  if (gc) {
    for (const c of runs) {
      const samples: number[] = [];
      for (let i = 0; i < 5; i++) {
        gc();
        const before = process.memoryUsage().heapUsed;
        const kept = await c.run();
        samples.push((process.memoryUsage().heapUsed - before) / 1000);
        void kept;
      }
      heap[c.name] = median(samples);
    }
    console.log(
      `\nheap growth per call, 1000-call batch: ${Object.entries(heap)
        .map(([k, v]) => `${k} ${(v / 1024).toFixed(2)} KiB`)
        .join(", ")}`,
    );
  } else {
    console.log("\n(heap growth not measured: run with node --expose-gc)");
  }
}

// ---------- targets ----------

const checks: [string, boolean][] = [];
for (const r of results) {
  if (r.toolNodeValid && r.group !== "io")
    checks.push([
      `${r.case}: SafeToolNode/ToolNode ${r.ratios.safeToToolNode.toFixed(2)} ≤ 1.00`,
      r.ratios.safeToToolNode <= 1.0,
    ]);
  const calls = Number(/^(\d+) call/.exec(r.case)?.[1] ?? 0);
  if (calls >= 10 && r.group !== "io" && r.group !== "graph") {
    checks.push([
      `${r.case}: SafeToolNode/floor ${r.ratios.safeToFloor.toFixed(2)} ≤ 1.10`,
      r.ratios.safeToFloor <= 1.1,
    ]);
    const rt = r.ratios.safeToFloorWithRuntime;
    if (rt !== undefined) checks.push([`${r.case}: SafeToolNode/(floor+runtime) ${rt.toFixed(2)} ≤ 1.10`, rt <= 1.1]);
  }
}
const byCase = (label: string) => results.find((r) => r.case === label)?.medians.SafeToolNode;
// Flatness compares SafeToolNode/floor across cases: the floor (the same 10
// calls) is measured in the same rounds, so machine drift between cases cancels.
const toFloor = (group: string, label: string) =>
  results.find((r) => r.group === group && r.case === label)!.ratios.safeToFloor;
const flatHistory =
  toFloor("history", "10 calls, 5 tools, 20000 messages") / toFloor("history", "10 calls, 5 tools, 2 messages");
checks.push([`history 20000 vs 2 messages (SafeToolNode/floor): ${flatHistory.toFixed(2)} ≤ 1.10`, flatHistory <= 1.1]);
const flatTools =
  toFloor("tools", "10 calls, 1000 tools, 2 messages") / toFloor("tools", "10 calls, 5 tools, 2 messages");
checks.push([`1000 vs 5 tools (SafeToolNode/floor): ${flatTools.toFixed(2)} ≤ 1.10`, flatTools <= 1.1]);
const io = byCase("1000 calls × 20 ms I/O (wall)")!;
checks.push([`1000 calls × 20 ms: ${io.toFixed(1)} ms < 100 ms`, io < 100]);
const limited = byCase("same, SafeToolNode maxConcurrency 10")!;
checks.push([`maxConcurrency 10: ${limited.toFixed(0)} ms ≈ 2000 ms`, limited > 1900 && limited < 2600]);

// Issue 11's targets for durable mode (not met yet: see the README's Performance section).
for (const d of durable) {
  const limit = d.ioMs === 0 ? 1.5 : d.calls >= 100 ? 1.15 : 1.05;
  checks.push([
    `durable ${d.case}: SafeToolNode/ToolNode ${d.ratios.batch!.toFixed(2)} ≤ ${limit.toFixed(2)}`,
    d.ratios.batch! <= limit,
  ]);
  checks.push([
    `durable ${d.case}: fan-out/Send per call ${d.ratios.fanOut!.toFixed(2)} ≤ 1.00`,
    d.ratios.fanOut! <= 1.0,
  ]);
}

checks.push([
  `100 calls over 10 keys × 20 ms: ${keyed.keyedMs.toFixed(0)} ms within 10% of the keys' bound (${keyed.boundMs} ms): ${keyed.keyedToBound.toFixed(2)}`,
  keyed.keyedToBound >= 1 && keyed.keyedToBound <= 1.1,
]);

console.log("\ntargets:");
for (const [text, ok] of checks) console.log(`  ${ok ? "met " : "MISS"} ${text}`);

const outDir = "bench-results";
mkdirSync(outDir, { recursive: true });
const file = values.out ?? join(outDir, `bench-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
const report = {
  date: new Date().toISOString(),
  node: process.version,
  machine: { cpus: cpus().length, model: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30) },
  rounds: ROUNDS,
  results,
  durable,
  keyed,
  heapPerCallBytes: heap,
  targets: checks.map(([text, ok]) => ({ text, ok })),
};
writeFileSync(file, JSON.stringify(report, null, 2));
writeFileSync(join(outDir, "latest.json"), JSON.stringify(report, null, 2));
console.log(`\nwritten: ${file}`);
