/**
 * `npm run bench:transformations`: what one transformation costs, JSONata against JavaScript, in
 * the expression sandbox itself (no HTTP, no store). One sandbox process; the same six-field
 * transformation over the same invoice payload in both languages; each is evaluated N times one
 * after another (the latency of one evaluation, round trip to the process included) and N times
 * with 8 in flight (the throughput of one process). JSONata here always goes to the sandbox, as an
 * unbounded expression would; a bounded one like this takes the in-process fast path in real
 * deliveries (docs/operations.md, "Expression sandbox"), which is measured too. Reports; never fails.
 *
 *   node --import tsx bench/transformations.ts [--evaluations 2000]
 */
import { parseArgs } from "node:util";
import { evaluateBoundedJob } from "../src/sandbox/in-process-evaluator.ts";
import type { Job, JobResult } from "../src/sandbox/protocol.ts";
import { SandboxPool } from "../src/sandbox/sandbox-pool.ts";

const { values } = parseArgs({ options: { evaluations: { type: "string", default: "2000" } } });
const N = Number(values.evaluations);
const IN_FLIGHT = 8;

const PAYLOAD = JSON.stringify({
  type: "invoice.paid",
  data: {
    id: "in_1042",
    customer: "cus_77",
    amount_paid: 129900,
    currency: "eur",
    metadata: { region: "eu-west", plan: "pro" },
    lines: Array.from({ length: 5 }, (_, i) => ({ sku: `sku_${i}`, quantity: i + 1, amount: 1000 * (i + 1) })),
  },
});
const JSONATA =
  '{"event": eventType, "id": msgId, "invoice": payload.data.id, "customer": payload.data.customer, "cents": payload.data.amount_paid, "region": payload.data.metadata.region}';
const JAVASCRIPT = `function handler(webhook) {
  const d = webhook.payload.data;
  webhook.payload = { event: webhook.eventType, id: webhook.msgId, invoice: d.id, customer: d.customer,
    cents: d.amount_paid, region: d.metadata.region };
  return webhook;
}`;

const job = (language: Job["language"], code: string): Job => ({
  language,
  filter: null,
  transformation: { code, variables: null },
  input: { eventType: "invoice.paid", channels: null, msgId: "msg_1", payloadJson: PAYLOAD, url: "https://x.test/" },
});

async function measure(label: string, run: () => Promise<JobResult | null>, inFlight: number) {
  for (let i = 0; i < 50; i++) await run(); // warm-up: compile caches, JIT
  let next = 0;
  // The fast path hands a job it stopped (its 20 ms guardrail, e.g. while descheduled) to the sandbox.
  let handedBack = 0;
  const started = performance.now();
  const cpu = process.cpuUsage();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next++ < N) {
        const result = await run();
        if (result === null) handedBack++;
        else if (!result.ok) throw new Error(`${label}: ${JSON.stringify(result)}`);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return {
    label,
    inFlight,
    perSecond: Math.round(N / seconds),
    microsEach: Math.round((seconds * 1e6) / N),
    serverCpuMicrosEach: Math.round((used.user + used.system) / N),
    handedBack,
  };
}

const pool = new SandboxPool({ processes: 1 });
await pool.started();
const rows = [];
try {
  for (const inFlight of [1, IN_FLIGHT]) {
    rows.push(
      await measure("JSONata, in-process fast path", () => evaluateBoundedJob(job("jsonata", JSONATA)), inFlight),
    );
    rows.push(await measure("JSONata, sandbox process", () => pool.evaluate(job("jsonata", JSONATA)), inFlight));
    rows.push(
      await measure("JavaScript, sandbox process", () => pool.evaluate(job("javascript", JAVASCRIPT)), inFlight),
    );
  }
} finally {
  await pool.close();
}
console.log(`| ${N} evaluations | in flight | evaluations/s | µs each (wall) | server CPU µs each | handed back |`);
console.log("| --- | --: | --: | --: | --: | --: |");
for (const r of rows)
  console.log(
    `| ${r.label} | ${r.inFlight} | ${r.perSecond} | ${r.microsEach} | ${r.serverCpuMicrosEach} | ${r.handedBack} |`,
  );
