/**
 * publishConfigChange against real Redis: the shared test db for the happy
 * path, a private redis-server for outages (stopped and restarted here).
 */
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  CONFIG_VERSION_KEY,
  cancelConfigAnnouncementRetries,
  configChannel,
  parseConfigMessage,
  pendingConfigAnnouncements,
  publishConfigChange,
  type ConfigMessage,
} from "@/lib/config-events";
import { disconnectRedis } from "@/lib/redis";
import { eventually } from "@/lib/testing/spawn";
import { freePort, startPrivateRedis, type PrivateRedis } from "@/lib/testing/redis-server";
import { testEnv } from "@/lib/testing/env";

let sub: Redis;
let cmd: Redis;
const received: ConfigMessage[] = [];

beforeAll(async () => {
  sub = new Redis(testEnv.REDIS_URL);
  cmd = new Redis(testEnv.REDIS_URL);
  sub.on("message", (_ch: string, raw: string) => {
    const m = parseConfigMessage(raw);
    if (m) received.push(m);
  });
  await sub.subscribe(configChannel(sub.options.db ?? 0));
});

afterEach(() => cancelConfigAnnouncementRetries());

afterAll(async () => {
  sub?.disconnect();
  cmd?.disconnect();
  await disconnectRedis();
});

describe("publishConfigChange", () => {
  it("INCRs the version and publishes the change with that version", async () => {
    const before = Number((await cmd.get(CONFIG_VERSION_KEY)) ?? 0);
    const version = await publishConfigChange({ tenantId: "ten_x", kind: "api_key", id: "key_1" });
    expect(version).toBe(before + 1);
    expect(Number(await cmd.get(CONFIG_VERSION_KEY))).toBe(before + 1);
    const msg = await eventually(async () => received.find((m) => m.version === version));
    expect(msg).toMatchObject({ version, tenantId: "ten_x", kind: "api_key", id: "key_1" });
    expect(typeof msg.at).toBe("number");
  });

  it("gives each change its own version, in order, also when fired together", async () => {
    const versions = await Promise.all(
      Array.from({ length: 10 }, (_, i) => publishConfigChange({ tenantId: null, kind: "flag", id: `flg_${i}` })),
    );
    const sorted = [...versions].sort((a, b) => (a ?? 0) - (b ?? 0));
    expect(new Set(versions).size).toBe(10);
    expect((sorted.at(-1) ?? 0) - (sorted[0] ?? 0)).toBe(9);
    await eventually(async () => (versions.every((v) => received.some((m) => m.version === v)) ? true : undefined));
  });

  it("never throws when Redis is unreachable: resolves null and keeps the announcement for a retry", async () => {
    const dead = new Redis(`redis://127.0.0.1:${await freePort()}`, { maxRetriesPerRequest: 1, lazyConnect: true });
    dead.on("error", () => undefined);
    try {
      await expect(publishConfigChange({ tenantId: "ten_x", kind: "route" }, { redis: dead })).resolves.toBeNull();
      expect(pendingConfigAnnouncements()).toBe(1);
    } finally {
      cancelConfigAnnouncementRetries();
      dead.disconnect();
    }
  });
});

describe("publishConfigChange through a Redis outage", () => {
  let redis: PrivateRedis;
  let client: Redis;

  beforeAll(async () => {
    redis = await startPrivateRedis();
    client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    client.on("error", () => undefined);
  });

  afterAll(async () => {
    client?.disconnect();
    await redis?.stop();
  });

  it("announces the change once Redis is back (background retry)", async () => {
    expect(await publishConfigChange({ tenantId: "ten_y", kind: "flag" }, { redis: client })).toBe(1);
    await redis.stop();
    expect(await publishConfigChange({ tenantId: "ten_y", kind: "flag", id: "flg_kill" }, { redis: client })).toBeNull();
    expect(pendingConfigAnnouncements()).toBe(1);

    // Back, empty (no persistence): the retry INCRs the fresh counter.
    await redis.start();
    const watcher = new Redis(redis.url);
    try {
      const version = await eventually(async () => {
        const v = await watcher.get(CONFIG_VERSION_KEY);
        return v === null ? undefined : Number(v);
      });
      expect(version).toBeGreaterThanOrEqual(1);
      await eventually(async () => (pendingConfigAnnouncements() === 0 ? true : undefined));
    } finally {
      watcher.disconnect();
    }
  });

  it("publishes on the channel of its Redis database only (channels are server-wide, keys are not)", async () => {
    const url = (db: number): string => redis.url.replace(/\/0$/, `/${db}`);
    const one = new Redis(url(1));
    const two = new Redis(url(2));
    const listener = new Redis(url(1));
    const heard: ConfigMessage[] = [];
    try {
      expect(configChannel(one.options.db ?? 0)).toBe("gh:config@1");
      listener.on("message", (_ch: string, raw: string) => {
        const m = parseConfigMessage(raw);
        if (m) heard.push(m);
      });
      await listener.subscribe(configChannel(1));
      expect(await publishConfigChange({ tenantId: null, kind: "tenant", id: "a" }, { redis: one })).toBe(1);
      expect(await publishConfigChange({ tenantId: null, kind: "tenant", id: "b" }, { redis: two })).toBe(1);
      expect(await publishConfigChange({ tenantId: null, kind: "tenant", id: "c" }, { redis: one })).toBe(2);
      await eventually(async () => (heard.length >= 2 ? true : undefined));
      expect(heard.map((m) => m.id)).toEqual(["a", "c"]);
    } finally {
      one.disconnect();
      two.disconnect();
      listener.disconnect();
    }
  });
});
