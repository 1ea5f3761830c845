/**
 * The baseline: the same job done the way a TypeScript team would hand-roll it. One Node process,
 * like Hookline's default role: a Fastify API that enqueues one BullMQ job per endpoint into Redis
 * and answers 202, and a BullMQ worker in the same process that signs each webhook (Standard
 * Webhooks HMAC-SHA256, as Hookline does) and POSTs it with undici over keep-alive connections,
 * retrying failures with exponential back-off. Apps and endpoints live in memory.
 *
 * Run by bench/scenarios/bullmq.ts as `node --import tsx bench/lib/bullmq-baseline.ts` with
 *   BENCH_REDIS_URL          redis://127.0.0.1:port
 *   BENCH_WORKER_CONCURRENCY jobs in flight at once (default 64, Hookline's per-endpoint default)
 * It prints one JSON line {"msg":"baseline listening","url":…} once it listens on a free port.
 */
import { createHmac, randomBytes, randomUUID } from "node:crypto";
import Fastify from "fastify";
import { Queue, Worker, type Job } from "bullmq";
import { Agent, request } from "undici";

interface DeliveryJob {
  msgId: string;
  url: string;
  secret: string;
  payload: string;
}

const redis = new URL(process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379");
const connection = { host: redis.hostname, port: Number(redis.port || 6379) };
const concurrency = Number(process.env.BENCH_WORKER_CONCURRENCY ?? 64);
const QUEUE = "webhooks";

const apps = new Map<string, { url: string; secret: string; id: string }[]>();

const queue = new Queue<DeliveryJob>(QUEUE, {
  connection,
  defaultJobOptions: {
    attempts: 8,
    backoff: { type: "exponential", delay: 5000 },
    // Without these Redis keeps every job forever; this is the setting BullMQ's docs recommend.
    removeOnComplete: true,
    removeOnFail: { count: 10_000 },
  },
});

const agent = new Agent({
  connections: concurrency,
  keepAliveTimeout: 30_000,
  headersTimeout: 15_000,
  bodyTimeout: 15_000,
});

const sign = (secret: string, id: string, ts: number, body: string) =>
  "v1," + createHmac("sha256", Buffer.from(secret, "base64")).update(`${id}.${ts}.${body}`).digest("base64");

const worker = new Worker<DeliveryJob>(
  QUEUE,
  async (job: Job<DeliveryJob>) => {
    const { msgId, url, secret, payload } = job.data;
    const ts = Math.floor(Date.now() / 1000);
    const res = await request(url, {
      method: "POST",
      dispatcher: agent,
      headers: {
        "content-type": "application/json",
        "user-agent": "bullmq-webhooks/1.0",
        "webhook-id": msgId,
        "webhook-timestamp": String(ts),
        "webhook-signature": sign(secret, msgId, ts, payload),
      },
      body: payload,
    });
    await res.body.dump();
    if (res.statusCode < 200 || res.statusCode >= 300) throw new Error(`endpoint answered ${res.statusCode}`);
  },
  { connection, concurrency },
);
worker.on("error", (error) => console.error("worker error:", error.message));

const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });

app.post<{ Body: { name?: string } }>("/api/v1/app", async (_req, reply) => {
  const id = `app_${randomUUID()}`;
  apps.set(id, []);
  return reply.code(201).send({ id });
});

app.post<{ Params: { app: string }; Body: { url: string } }>("/api/v1/app/:app/endpoint", async (req, reply) => {
  const endpoints = apps.get(req.params.app);
  if (!endpoints) return reply.code(404).send({ code: "not_found" });
  const endpoint = { id: `ep_${randomUUID()}`, url: req.body.url, secret: randomBytes(24).toString("base64") };
  endpoints.push(endpoint);
  return reply.code(201).send({ id: endpoint.id });
});

app.post<{ Params: { app: string }; Body: { eventType: string; payload: Record<string, unknown> } }>(
  "/api/v1/app/:app/msg",
  {
    schema: {
      body: {
        type: "object",
        required: ["eventType", "payload"],
        properties: { eventType: { type: "string", minLength: 1 }, payload: { type: "object" } },
      },
    },
  },
  async (req, reply) => {
    const endpoints = apps.get(req.params.app);
    if (!endpoints) return reply.code(404).send({ code: "not_found" });
    const msgId = `msg_${randomUUID()}`;
    const payload = JSON.stringify(req.body.payload);
    if (endpoints.length === 1)
      await queue.add("deliver", { msgId, url: endpoints[0]!.url, secret: endpoints[0]!.secret, payload });
    else if (endpoints.length > 1)
      await queue.addBulk(
        endpoints.map((e) => ({ name: "deliver", data: { msgId, url: e.url, secret: e.secret, payload } })),
      );
    return reply.code(202).send({ id: msgId, eventType: req.body.eventType });
  },
);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await app.close().catch(() => undefined);
  await worker.close().catch(() => undefined);
  await queue.close().catch(() => undefined);
  await agent.close().catch(() => undefined);
  process.exit(0);
};
process.once("SIGTERM", () => void stop());
process.once("SIGINT", () => void stop());

await worker.waitUntilReady();
await queue.waitUntilReady();
const address = await app.listen({ port: 0, host: "127.0.0.1" });
console.log(JSON.stringify({ msg: "baseline listening", url: address }));
