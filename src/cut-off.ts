import type { AIMessage } from "@langchain/core/messages";

type Metadata = Record<string, unknown> | undefined;

/** `[field, values]`: how each provider (as its LangChain client stores it) says the output token limit ended the response. */
const LIMIT_REASONS: readonly [string, readonly string[]][] = [
  // OpenAI Chat Completions, Mistral, Groq and the v1 standard `finish_reason`; Gemini/Vertex under either spelling
  ["finish_reason", ["length", "max_tokens"]],
  ["finishReason", ["max_tokens", "length"]],
  // Anthropic (response_metadata when invoked, additional_kwargs when streamed)
  ["stop_reason", ["max_tokens", "model_context_window_exceeded"]],
  // Bedrock Converse
  ["stopReason", ["max_tokens", "model_context_window_exceeded"]],
  // Ollama
  ["done_reason", ["length"]],
];

function saysCutOff(metadata: Metadata): boolean {
  if (!metadata) return false;
  for (const [field, reasons] of LIMIT_REASONS) {
    const value = metadata[field];
    if (typeof value === "string" && reasons.includes(value.toLowerCase())) return true;
  }
  // OpenAI Responses: an incomplete response, for lack of output tokens
  const details = metadata.incomplete_details as Metadata;
  return metadata.status === "incomplete" && details?.reason === "max_output_tokens";
}

/**
 * True when the AIMessage says the output token limit stopped the model:
 * its last call's arguments may then be cut short even when they parse,
 * because the joined stream chunks are parsed leniently.
 */
export function wasCutOff(ai: AIMessage): boolean {
  return saysCutOff(ai.response_metadata as Metadata) || saysCutOff(ai.additional_kwargs as Metadata);
}
