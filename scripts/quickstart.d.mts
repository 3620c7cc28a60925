// Types of scripts/quickstart.mjs for the TypeScript tests that import it.
export function writeEnvFileIfMissing(root?: string, secrets?: Record<string, string>): boolean;
export function childEnv(dotenv: Record<string, string>, base?: Record<string, string | undefined>): Record<string, string>;
