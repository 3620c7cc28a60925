// Types of scripts/lib/tooling.mjs for the TypeScript tests that import it.
export const ROOT: string;
export function parseDotenv(text: string): Record<string, string>;
export function readDotenv(file?: string): Record<string, string>;
export function generateSecrets(): {
  NEXTAUTH_SECRET: string;
  GATEHOUSE_ENCRYPTION_KEY: string;
  GATEHOUSE_DEMO_API_KEY: string;
  GATEHOUSE_ADMIN_TOKEN: string;
};
export function renderEnvFile(exampleText: string, values: Record<string, string>): string;
export function postgresAnswers(url: string): Promise<boolean>;
export function redisAnswers(url: string): Promise<boolean>;
export function portFree(port: number, host?: string): Promise<boolean>;
export function dependenciesMissing(): string | null;
export function buildStale(): string | null;
export const START_POSTGRES: string;
export const START_REDIS: string;
