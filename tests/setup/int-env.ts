// Runs in every integration-test worker before the test files: point every
// module at the test database and Redis db before anything reads the env.
import { testEnv } from "@/lib/testing/env";

Object.assign(process.env, testEnv);
