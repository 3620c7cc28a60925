export { findActiveApiKeyByDigest, verifyApiKey, type ActiveApiKey } from "@/lib/api-keys/verify";
