import { z } from "zod";
import { IsoDateTime } from "@/lib/http/schema";
import { TenantRole } from "@/lib/tenants/schema";

export const MIN_PASSWORD_LENGTH = 10;

export const Member = z.object({
  id: z.string(),
  userId: z.string(),
  email: z.string(),
  name: z.string(),
  role: TenantRole,
  createdAt: IsoDateTime,
});
export type Member = z.infer<typeof Member>;

export const AddMemberInput = z.object({
  email: z.string().trim().toLowerCase().pipe(z.email("must be an email address")),
  /** Display name, used when a new user is created. */
  name: z.string().trim().min(1).max(100).optional(),
  role: TenantRole,
  /** Creates the user with this password when no user has this email. */
  password: z.string().min(MIN_PASSWORD_LENGTH, `must be at least ${MIN_PASSWORD_LENGTH} characters`).max(200).optional(),
});
export type AddMemberInput = z.infer<typeof AddMemberInput>;

export const UpdateMemberInput = z.object({ role: TenantRole });
export type UpdateMemberInput = z.infer<typeof UpdateMemberInput>;
