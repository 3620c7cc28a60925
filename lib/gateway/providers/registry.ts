import { anthropicAdapter } from "./anthropic";
import { azureOpenAIAdapter } from "./azure-openai";
import { geminiAdapter } from "./gemini";
import { openaiAdapter } from "./openai";
import { openAICompatibleAdapter } from "./openai-compatible";
import type { ProviderAdapter, ProviderKind } from "./types";

/** Provider kind (the `ProviderKind` enum of the data model) -> its adapter. */
export const PROVIDER_ADAPTERS: Readonly<Record<ProviderKind, ProviderAdapter>> = {
  openai: openaiAdapter,
  azure_openai: azureOpenAIAdapter,
  anthropic: anthropicAdapter,
  gemini: geminiAdapter,
  openai_compatible: openAICompatibleAdapter,
};

export function getProviderAdapter(kind: ProviderKind): ProviderAdapter {
  return PROVIDER_ADAPTERS[kind];
}
