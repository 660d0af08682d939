/**
 * The pairing rules OpenAI Chat Completions and Anthropic Messages enforce on
 * a request body (see shared/provider-rules.md), checked on the JSON that the
 * real LangChain clients produce. Each function returns the list of broken
 * rules, worded like the provider's 400 error; empty when the body is valid.
 */

type Json = Record<string, unknown>;
const ANTHROPIC_ID = /^[a-zA-Z0-9_-]+$/;

export function openAIChatViolations(body: Json): string[] {
  const problems: string[] = [];
  const messages = (body.messages ?? []) as Json[];
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i]!;
    if (message.role === "assistant" && Array.isArray(message.tool_calls) && message.tool_calls.length > 0) {
      const wanted = (message.tool_calls as Json[]).map((call) => call.id as string);
      const seen: string[] = [];
      let j = i + 1;
      for (; j < messages.length && messages[j]!.role === "tool"; j++) {
        const id = messages[j]!.tool_call_id as string;
        if (!wanted.includes(id)) {
          problems.push(`Invalid parameter: 'tool_call_id' of '${id}' not found in 'tool_calls' of previous message.`);
        } else if (seen.includes(id)) {
          problems.push(`Duplicate tool message for tool_call_id ${id}.`);
        }
        seen.push(id);
      }
      const missing = wanted.filter((id) => !seen.includes(id));
      if (missing.length > 0) {
        problems.push(
          `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${missing.join(", ")}`,
        );
      }
      if (new Set(wanted).size !== wanted.length) problems.push(`Duplicate tool_call ids in message ${i}.`);
      (message.tool_calls as Json[]).forEach((call, k) => {
        const fn = call.function as Json | undefined;
        if (!call.id || typeof fn?.name !== "string" || fn.name === "")
          problems.push(`messages.${i}: tool call without id or name.`);
        if (typeof call.id === "string" && call.id.length > 40) {
          problems.push(
            `Invalid 'messages[${i}].tool_calls[${k}].id': string too long. Expected a string with maximum length 40, but got a string with length ${call.id.length} instead.`,
          );
        }
      });
      i = j - 1;
      continue;
    }
    if (message.role === "tool") {
      problems.push(
        "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.",
      );
    }
  }
  messages.forEach((message, i) => {
    if (message.role !== "tool") return;
    const content = message.content;
    if (Array.isArray(content) && content.some((p: Json) => p?.type === "image_url")) {
      problems.push(
        `Invalid 'messages[${i}]'. Image URLs are only allowed for messages with role 'user', but this message with role 'tool' contains an image URL.`,
      );
      return;
    }
    const ok =
      typeof content === "string" ||
      (Array.isArray(content) &&
        content.length > 0 &&
        content.every((p: Json) => p?.type === "text" && typeof p.text === "string"));
    if (!ok)
      problems.push(`Invalid tool message content for ${String(message.tool_call_id)}: ${JSON.stringify(content)}`);
  });
  return problems;
}

export function anthropicViolations(body: Json): string[] {
  const problems: string[] = [];
  const messages = (body.messages ?? []) as Json[];
  const allIds: string[] = [];
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i]!;
    const blocks = Array.isArray(message.content) ? (message.content as Json[]) : [];
    const uses = message.role === "assistant" ? blocks.filter((b) => b.type === "tool_use") : [];
    for (const use of uses) {
      const id = use.id as string;
      if (typeof id !== "string" || !ANTHROPIC_ID.test(id))
        problems.push(`messages.${i}: String should match pattern '^[a-zA-Z0-9_-]+$' (${String(id)})`);
      if (allIds.includes(id)) problems.push(`messages.${i}: tool_use ids must be unique (${id})`);
      allIds.push(id);
      if (typeof use.name !== "string" || use.name === "") problems.push(`messages.${i}: tool_use without a name`);
      if (typeof use.input !== "object" || use.input === null || Array.isArray(use.input)) {
        problems.push(`messages.${i}.content: tool_use.input: Input should be a valid dictionary`);
      }
    }
    const next = messages[i + 1];
    const nextBlocks = next && Array.isArray(next.content) ? (next.content as Json[]) : [];
    const results = next?.role === "user" ? nextBlocks.filter((b) => b.type === "tool_result") : [];
    if (uses.length > 0) {
      const answered = results.map((r) => r.tool_use_id as string);
      const missing = uses.map((u) => u.id as string).filter((id) => !answered.includes(id));
      if (missing.length > 0) {
        problems.push(
          `messages.${i}: tool_use ids were found without tool_result blocks immediately after: ${missing.join(", ")}`,
        );
      }
      const leading = nextBlocks.findIndex((b) => b.type !== "tool_result");
      if (leading >= 0 && nextBlocks.slice(leading).some((b) => b.type === "tool_result")) {
        problems.push(
          `messages.${i + 1}: Did not find ${results.length} tool_result block(s) at the beginning of this message.`,
        );
      }
    }
    if (message.role === "user") {
      const previous = messages[i - 1];
      const previousUses =
        previous?.role === "assistant" && Array.isArray(previous.content)
          ? (previous.content as Json[]).filter((b) => b.type === "tool_use").map((b) => b.id as string)
          : [];
      const seen = new Set<string>();
      blocks.forEach((block, m) => {
        if (block.type !== "tool_result") return;
        const id = block.tool_use_id as string;
        if (!previousUses.includes(id) || seen.has(id)) {
          problems.push(`messages.${i}.content.${m}: unexpected tool_use_id found in tool_result blocks: ${id}`);
        }
        seen.add(id);
      });
    }
  }
  return problems;
}

/**
 * OpenAI Responses: every `function_call` item has a `function_call_output`
 * with its `call_id` after it, and every output has its call before it.
 */
export function openAIResponsesViolations(body: Json): string[] {
  const problems: string[] = [];
  const input = Array.isArray(body.input) ? (body.input as Json[]) : [];
  const calls = new Map<string, number>();
  const outputs = new Map<string, number>();
  input.forEach((item, index) => {
    if (item.type === "function_call") {
      const id = item.call_id;
      if (typeof id !== "string" || id === "") {
        problems.push(`Missing required parameter: 'input[${index}].call_id'.`);
        return;
      }
      if (!calls.has(id)) calls.set(id, index);
    } else if (item.type === "function_call_output") {
      const id = String(item.call_id);
      const at = calls.get(id);
      if (at === undefined || at > index)
        problems.push(`No tool call found for function call output with call_id ${id}.`);
      outputs.set(id, index);
      if (typeof item.output !== "string" && !Array.isArray(item.output))
        problems.push(`Invalid type for 'input[${index}].output'.`);
    }
  });
  for (const id of calls.keys()) if (!outputs.has(id)) problems.push(`No tool output found for function call ${id}.`);
  return problems;
}

/**
 * Google Gemini: the content right after a model turn with N `functionCall`
 * parts holds exactly N `functionResponse` parts; responses appear nowhere
 * else; names are never empty.
 *
 * `mergeSplitResponses` first joins consecutive user contents made only of
 * function responses: `@langchain/google-genai` 2.x sends each ToolMessage as
 * its own content, so a turn with parallel calls is rejected whatever
 * answered it. With the option, the rule is checked on what the executor
 * controls (one named response per call).
 */
export function geminiViolations(body: Json, options: { mergeSplitResponses?: boolean } = {}): string[] {
  const problems: string[] = [];
  let contents = Array.isArray(body.contents) ? (body.contents as Json[]) : [];
  const partsOf = (content: Json | undefined) => (Array.isArray(content?.parts) ? (content!.parts as Json[]) : []);
  const onlyResponses = (content: Json) =>
    partsOf(content).length > 0 && partsOf(content).every((p) => "functionResponse" in p);
  if (options.mergeSplitResponses) {
    const merged: Json[] = [];
    for (const content of contents) {
      const last = merged[merged.length - 1];
      if (last && onlyResponses(last) && onlyResponses(content))
        merged[merged.length - 1] = { ...last, parts: [...partsOf(last), ...partsOf(content)] };
      else merged.push(content);
    }
    contents = merged;
  }
  contents.forEach((content, index) => {
    const calls = partsOf(content).filter((p) => "functionCall" in p);
    for (const call of calls) {
      if (!(call.functionCall as Json).name)
        problems.push(`contents[${index}]: function_call.name: Name cannot be empty`);
    }
    const responses = partsOf(content).filter((p) => "functionResponse" in p);
    for (const response of responses) {
      if (!(response.functionResponse as Json).name)
        problems.push(`contents[${index}]: function_response.name: Name cannot be empty`);
    }
    const previousCalls = partsOf(contents[index - 1]).filter((p) => "functionCall" in p);
    if (responses.length > 0 && previousCalls.length === 0) {
      problems.push("Please ensure that function response turn comes immediately after a function call turn.");
    }
    if (calls.length > 0) {
      const answered = partsOf(contents[index + 1]).filter((p) => "functionResponse" in p).length;
      if (answered !== calls.length) {
        problems.push(
          "Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn.",
        );
      }
    }
  });
  return problems;
}

const BEDROCK_ID = /^[a-zA-Z0-9_-]{1,64}$/;

/**
 * Amazon Bedrock Converse: roles alternate, starting with a user message
 * (`joinTurns` first joins consecutive messages of one role, which the
 * converter does only for tool results);
 * no message is empty; every `toolUse` of an assistant message has one
 * `toolResult` in the next user message and no result answers anything
 * else; a result's text is never blank, an error result is never empty,
 * and a `json` result is an object.
 */
export function bedrockViolations(body: Json, options: { joinTurns?: boolean } = {}): string[] {
  const problems: string[] = [];
  const blocksOf = (message: Json | undefined) => (Array.isArray(message?.content) ? (message!.content as Json[]) : []);
  let messages = (body.messages ?? []) as Json[];
  if (options.joinTurns) {
    // What the converter could have sent: consecutive messages of one role as one.
    const joined: Json[] = [];
    for (const message of messages) {
      const last = joined[joined.length - 1];
      if (last !== undefined && last.role === message.role)
        joined[joined.length - 1] = { ...last, content: [...blocksOf(last), ...blocksOf(message)] };
      else joined.push(message);
    }
    messages = joined;
  }
  if (messages[0] && messages[0].role !== "user")
    problems.push(
      "A conversation must start with a user message. Try again with a conversation that starts with a user message.",
    );
  messages.forEach((message, i) => {
    if (i > 0 && messages[i - 1]!.role === message.role)
      problems.push(
        "A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again.",
      );
    if (blocksOf(message).length === 0)
      problems.push(
        `The content field in the Message object at messages.${i} is empty. Add a ContentBlock object to the content field and try again.`,
      );
    const uses = blocksOf(message).flatMap((b) => (b.toolUse ? [b.toolUse as Json] : []));
    for (const use of uses)
      if (typeof use.toolUseId !== "string" || !BEDROCK_ID.test(use.toolUseId))
        problems.push(
          `Value at 'messages.${i}.member.content.member.toolUse.toolUseId' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_-]+`,
        );
    const results = blocksOf(message).flatMap((b) => (b.toolResult ? [b.toolResult as Json] : []));
    const previousUses =
      messages[i - 1]?.role === "assistant"
        ? blocksOf(messages[i - 1]).flatMap((b) => (b.toolUse ? [String((b.toolUse as Json).toolUseId)] : []))
        : [];
    if (results.length > previousUses.length)
      problems.push(
        `The number of toolResult blocks at messages.${i}.content exceeds the number of toolUse blocks of previous turn.`,
      );
    results.forEach((result, m) => {
      const id = String(result.toolUseId);
      if (!previousUses.includes(id))
        problems.push(`messages.${i}.content.${m}: toolResult ${id} answers no toolUse of the previous turn.`);
      const content = Array.isArray(result.content) ? (result.content as Json[]) : [];
      if (result.status === "error" && content.length === 0)
        problems.push(
          `The content field at messages.${i}.content.${m}.toolResult cannot be empty when status value is error.`,
        );
      content.forEach((part, k) => {
        if ("text" in part && (typeof part.text !== "string" || part.text.trim() === ""))
          problems.push(
            `The text field in the ContentBlock object at messages.${i}.content.${m}.toolResult.content.${k} is blank. Add text to the text field, and try again.`,
          );
        if ("json" in part && (typeof part.json !== "object" || part.json === null || Array.isArray(part.json)))
          problems.push(`messages.${i}.content.${m}.toolResult.content.${k}.json must be an object.`);
      });
    });
    if (uses.length > 0) {
      const next = messages[i + 1];
      const answered =
        next?.role === "user"
          ? blocksOf(next).flatMap((b) => (b.toolResult ? [String((b.toolResult as Json).toolUseId)] : []))
          : [];
      const missing = uses.map((u) => String(u.toolUseId)).filter((id) => !answered.includes(id));
      if (missing.length > 0)
        problems.push(
          `Expected toolResult blocks at messages.${i + 1}.content for the following Ids: ${missing.join(", ")}`,
        );
    }
  });
  return problems;
}

const MISTRAL_ID = /^[a-zA-Z0-9]{9}$/;

/**
 * Mistral chat completions: tool call ids are nine letters or digits; the
 * tool messages right after an assistant message with tool calls answer
 * those calls, as many responses as calls; a tool message stands nowhere else.
 */
export function mistralViolations(body: Json): string[] {
  const problems: string[] = [];
  const messages = (body.messages ?? []) as Json[];
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i]!;
    const calls =
      message.role === "assistant" && Array.isArray(message.tool_calls) ? (message.tool_calls as Json[]) : [];
    for (const call of calls)
      if (typeof call.id !== "string" || !MISTRAL_ID.test(call.id))
        problems.push(`Tool call id was ${String(call.id)} but must be a-z, A-Z, 0-9, with a length of 9.`);
    if (calls.length > 0) {
      let j = i + 1;
      const ids = calls.map((c) => String(c.id));
      for (; j < messages.length && messages[j]!.role === "tool"; j++) {
        const id = String(messages[j]!.tool_call_id);
        if (!ids.includes(id))
          problems.push(`Tool call id ${id} has no matching tool call in the previous assistant message.`);
        if (typeof messages[j]!.tool_call_id !== "string") problems.push(`Tool message ${j} has no tool_call_id.`);
      }
      if (j - (i + 1) !== calls.length) problems.push("Not the same number of function calls and responses");
      i = j - 1;
      continue;
    }
    if (message.role === "tool") {
      const before = messages[i - 1]?.role ?? "none";
      problems.push(`Unexpected role 'tool' after role '${String(before)}'`);
    }
  }
  return problems;
}

/**
 * Ollama's chat API: tool results carry no call id (the converter sends
 * none), so a model can only pair them by position. Ollama itself rejects
 * nothing here; the rule is ours: right after an assistant message with N
 * tool calls come exactly N tool messages, and a tool message stands nowhere else.
 */
export function ollamaViolations(body: Json): string[] {
  const problems: string[] = [];
  const messages = (body.messages ?? []) as Json[];
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i]!;
    const calls = message.role === "assistant" && Array.isArray(message.tool_calls) ? message.tool_calls.length : 0;
    if (calls > 0) {
      let j = i + 1;
      while (j < messages.length && messages[j]!.role === "tool") j++;
      if (j - (i + 1) !== calls)
        problems.push(
          `messages.${i}: ${calls} tool calls are followed by ${j - (i + 1)} tool messages (paired by position).`,
        );
      i = j - 1;
      continue;
    }
    if (message.role === "tool") problems.push(`messages.${i}: a tool message follows no tool calls.`);
    if (message.role === "tool" && typeof message.content !== "string")
      problems.push(`messages.${i}: tool content must be a string.`);
  }
  return problems;
}
