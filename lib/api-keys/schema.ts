import { z } from "zod";
import { DateTimeInput, IsoDateTime } from "@/lib/http/schema";

export const API_KEY_PREFIX = "gh_live";

export const ApiKeyStatus = z.enum(["active", "revoked", "expired"]);
export type ApiKeyStatus = z.infer<typeof ApiKeyStatus>;

export const ApiKey = z.object({
  id: z.string(),
  name: z.string(),
  /** First characters of the secret, enough to recognise it ("gh_live_ab12"). */
  prefix: z.string(),
  scopes: z.array(z.string()),
  featureId: z.string().nullable(),
  expiresAt: IsoDateTime.nullable(),
  revokedAt: IsoDateTime.nullable(),
  lastUsedAt: IsoDateTime.nullable(),
  createdAt: IsoDateTime,
  status: ApiKeyStatus,
});
export type ApiKey = z.infer<typeof ApiKey>;

/** Scopes limit which data-plane endpoints a key may call; empty = all. */
export const ApiKeyScope = z.string().regex(/^[a-z][a-z0-9_.:*-]{0,63}$/, "must be a lower-case scope name like 'chat' or 'embeddings'");

export const CreateApiKeyInput = z.object({
  name: z.string().trim().min(1, "is required").max(100),
  scopes: z.array(ApiKeyScope).max(20).default([]),
  featureId: z.string().min(1).nullable().optional(),
  expiresAt: DateTimeInput.nullable().optional(),
});
export type CreateApiKeyInput = z.infer<typeof CreateApiKeyInput>;

/** The only response that ever carries the secret. */
export const CreatedApiKey = z.object({ key: ApiKey, secret: z.string() });
export type CreatedApiKey = z.infer<typeof CreatedApiKey>;
