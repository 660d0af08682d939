import type { NodeConfig } from "./execute-tool-call.js";

/**
 * Thrown into a tool that runs directly in the node (durable mode, the
 * journal) when it starts using LangGraph from inside: a `task()`, or a
 * graph it invokes. Both are addressed by counters the node's calls would
 * share (LangGraph's task counter, its subgraph namespace counter), which
 * a resume does not replay in the same order - so such a call must run as
 * its own task, where the counters are its own. The call is then run again
 * that way; its result from this attempt is never used.
 */
export class UsesGraphContext extends Error {
  constructor() {
    super("safe-tool-node: this call uses LangGraph from inside the tool; it runs again as its own task");
    this.name = "UsesGraphContext";
  }
}

/**
 * The node's config for one direct call, with LangGraph's task function and
 * the subgraph counter of its scratchpad guarded: the first use calls
 * `onUse` and throws {@link UsesGraphContext}. A tool's own `interrupt()`
 * goes through (the journal raises it again from a task of its own).
 */
export function guardedConfig(config: NodeConfig, onUse: () => void): NodeConfig {
  const configurable = config.configurable;
  const scratchpad = configurable?.__pregel_scratchpad as object | undefined;
  if (!configurable || !scratchpad || typeof configurable.__pregel_call !== "function") return config;
  const refuse = (): never => {
    onUse();
    throw new UsesGraphContext();
  };
  const guarded = new Proxy(scratchpad, {
    get(target, key) {
      if (key === "subgraphCounter" || key === "callCounter") refuse();
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
    set(target, key, value) {
      if (key === "subgraphCounter" || key === "callCounter") refuse();
      return Reflect.set(target, key, value, target);
    },
  });
  return {
    ...config,
    configurable: { ...configurable, __pregel_scratchpad: guarded, __pregel_call: refuse },
  };
}
