import { z } from "zod";
import { IsoDateTime, Micros } from "@/lib/http/schema";

export const PROVIDER_KINDS = ["openai", "azure_openai", "anthropic", "gemini", "openai_compatible"] as const;
export const ProviderKind = z.enum(PROVIDER_KINDS);

export const ModelPrice = z.object({
  inputPerMTokMicros: Micros,
  outputPerMTokMicros: Micros,
  cachedInputPerMTokMicros: Micros,
  cacheWritePerMTokMicros: Micros,
  effectiveFrom: IsoDateTime,
});

export const ProviderModel = z.object({
  id: z.string(),
  name: z.string(),
  contextWindow: z.number().int(),
  maxOutputTokens: z.number().int(),
  tokenizer: z.string(),
  supportsEmbeddings: z.boolean(),
  enabled: z.boolean(),
  /** The price in effect now (latest effectiveFrom <= now); null if none. */
  price: ModelPrice.nullable(),
});
export type ProviderModel = z.infer<typeof ProviderModel>;

/** A provider as the API shows it: never the secret, only whether one is set. */
export const Provider = z.object({
  id: z.string(),
  name: z.string(),
  kind: ProviderKind,
  baseUrl: z.string(),
  hasSecret: z.boolean(),
  config: z.record(z.string(), z.unknown()),
  enabled: z.boolean(),
  models: z.array(ProviderModel),
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime,
});
export type Provider = z.infer<typeof Provider>;

const BaseUrl = z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).max(500);
const Secret = z.string().min(1, "must not be empty").max(4096);
const ProviderConfig = z.record(z.string(), z.unknown());

export const CreateProviderInput = z.object({
  name: z.string().trim().min(1, "is required").max(100).regex(/^[A-Za-z0-9][A-Za-z0-9 _.-]*$/, "must be letters, digits, spaces, dots, dashes or underscores"),
  kind: ProviderKind,
  baseUrl: BaseUrl,
  /** The provider's API key; stored encrypted (AES-256-GCM), never returned. */
  secret: Secret.nullable().optional(),
  config: ProviderConfig.default({}),
  enabled: z.boolean().default(true),
});
export type CreateProviderInput = z.infer<typeof CreateProviderInput>;

export const UpdateProviderInput = z
  .object({
    name: CreateProviderInput.shape.name,
    kind: ProviderKind,
    baseUrl: BaseUrl,
    /** A string replaces the secret, null removes it, absent keeps it. */
    secret: Secret.nullable(),
    config: ProviderConfig,
    enabled: z.boolean(),
  })
  .partial();
export type UpdateProviderInput = z.infer<typeof UpdateProviderInput>;
