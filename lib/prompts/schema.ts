import { z } from "zod";
import { IsoDateTime } from "@/lib/http/schema";

export const PromptVersion = z.object({
  id: z.string(),
  version: z.number().int(),
  /** [{ role, content }] with {{variables}}. */
  template: z.unknown(),
  variables: z.record(z.string(), z.unknown()),
  params: z.record(z.string(), z.unknown()),
  outputSchema: z.unknown().nullable(),
  commitMessage: z.string(),
  authorId: z.string().nullable(),
  createdAt: IsoDateTime,
});
export type PromptVersion = z.infer<typeof PromptVersion>;

export const PromptLabel = z.object({
  id: z.string(),
  name: z.string(),
  versionId: z.string(),
  /** The version number the label points at. */
  version: z.number().int(),
  canaryVersionId: z.string().nullable(),
  canaryPercent: z.number().int(),
  protected: z.boolean(),
  updatedAt: IsoDateTime,
});
export type PromptLabel = z.infer<typeof PromptLabel>;

export const Prompt = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  featureId: z.string().nullable(),
  /** Newest first. */
  versions: z.array(PromptVersion),
  labels: z.array(PromptLabel),
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime,
});
export type Prompt = z.infer<typeof Prompt>;
