import {
  newQuickJSWASMModuleFromVariant,
  newVariant,
  type QuickJSContext,
  type QuickJSHandle,
  type QuickJSSyncVariant,
  type QuickJSWASMModule,
} from "quickjs-emscripten-core";
import { ownCpuMs } from "./cpu-time.ts";
import { evaluateJsonataJob } from "./jsonata-evaluator.ts";
import { EVALUATION_TIMEOUT_MS, JAVASCRIPT_MEMORY_BYTES, JAVASCRIPT_STACK_BYTES, MAX_STRING_LENGTH } from "./limits.ts";
import type { FailureKind, Job, JobResult, Stage } from "./protocol.ts";

/**
 * Runs a Svix-style JavaScript transformation inside a sandbox process: the code defines
 * `handler(webhook)`, which gets `{ method, url, payload, eventType, cancel, channels, msgId,
 * variables }` and returns the webhook, changed. The engine is QuickJS compiled to WebAssembly:
 * the script sees only the ECMAScript built-ins (no require, modules, network, file system,
 * timers or host objects), inside a linear memory of its own.
 *
 * Every evaluation gets a fresh QuickJS runtime (nothing of one tenant's script survives into
 * the next job), inside the engine's capped memory (JAVASCRIPT_MEMORY_BYTES), with a stack limit
 * and an interrupt handler that stops it after EVALUATION_TIMEOUT_MS of CPU time. These fail only
 * the evaluation. QuickJS consults the interrupt handler every few thousand operations, so a
 * script whose operations are each slow (large allocations) may outrun it: the sandbox process's
 * own hard deadline (sandbox-worker.ts) stops that one, as it does a long JSONata built-in.
 */

let engine: Promise<QuickJSWASMModule> | null = null;

const WASM_PAGE_BYTES = 65_536;

/**
 * The QuickJS module of this sandbox process, instantiated once and reused by every evaluation
 * (each in a runtime of its own). Its linear memory is capped at JAVASCRIPT_MEMORY_BYTES: this,
 * not QuickJS's own memory limit, is what bounds a script's allocations, because this build of
 * QuickJS cannot measure the blocks it allocates (its limit only refuses single allocations
 * larger than the limit). Past the cap, allocation fails and the script gets an out-of-memory error.
 */
export function loadJavascriptEngine(): Promise<QuickJSWASMModule> {
  engine ??= (async () => {
    // The package is ESM and CommonJS both; its default export is the variant, wrapped once more
    // when it is loaded as CommonJS.
    const loaded: { default: unknown } = await import("@jitl/quickjs-wasmfile-release-sync");
    const exported = loaded.default as QuickJSSyncVariant | { default: QuickJSSyncVariant };
    const base = "default" in exported ? exported.default : exported;
    const wasmMemory = new WebAssembly.Memory({
      initial: INITIAL_MEMORY_BYTES / WASM_PAGE_BYTES,
      maximum: JAVASCRIPT_MEMORY_BYTES / WASM_PAGE_BYTES,
    });
    return newQuickJSWASMModuleFromVariant(newVariant(base, { wasmMemory }));
  })();
  return engine;
}

/** The linear memory the QuickJS build starts with (it refuses less). */
const INITIAL_MEMORY_BYTES = 16 * 1024 * 1024;

/** Raised for a script's fault; `kind` says how the job fails. */
class ScriptError extends Error {
  constructor(
    readonly kind: FailureKind,
    message: string,
  ) {
    super(message);
  }
}

const HANDLER_MISSING = "the code must define a function handler(webhook)";

/**
 * Evaluates a job whose transformation is JavaScript: its JSONata filter first (if any), then the
 * handler. A compile-only job runs the script's top level and checks that it defines `handler`.
 */
export async function evaluateJavascriptJob(job: Job, entering: (stage: Stage) => void = () => {}): Promise<JobResult> {
  if (job.compileOnly) return compileJob(job);
  if (job.filter !== null) {
    // The filter sees what a JSONata job's filter sees: no URL.
    const { url: _url, ...input } = job.input;
    const filtered = await evaluateJsonataJob({ ...job, language: "jsonata", transformation: null, input });
    if (!filtered.ok || !filtered.passed) return filtered;
  }
  if (job.transformation === null) return { ok: true, passed: true, body: null };
  if (job.filter !== null) entering("transformation");
  const { code, variables } = job.transformation;
  const { payloadJson, eventType, channels, msgId, url = "" } = job.input;
  // The payload is spliced in as JSON text: the server already holds it that way.
  const webhookJson = `{"method":"POST","url":${JSON.stringify(url)},"payload":${payloadJson},"eventType":${JSON.stringify(
    eventType,
  )},"cancel":false,"channels":${JSON.stringify(channels)},"msgId":${JSON.stringify(msgId)},"variables":${JSON.stringify(
    variables ?? {},
  )}}`;
  try {
    return await withScript(code, (vm, tools) => runHandler(vm, tools, webhookJson, url));
  } catch (error) {
    return scriptFailure(error);
  }
}

/** Runs `code`'s top level in a fresh runtime and checks it defines `handler`; `invalid` otherwise. */
async function compileJob(job: Job): Promise<JobResult> {
  try {
    await withScript(job.transformation?.code ?? "", () => null);
    return { ok: true, passed: true, body: null };
  } catch (error) {
    const failed = scriptFailure(error);
    if (!failed.ok && failed.failure.kind === "failed") failed.failure.kind = "invalid";
    return failed;
  }
}

function scriptFailure(error: unknown): JobResult {
  const e = error instanceof ScriptError ? error : new ScriptError("failed", String(error));
  return { ok: false, failure: { stage: "transformation", kind: e.kind, message: e.message } };
}

/** JSON built-ins taken before the script runs, so a script that replaces `JSON` cannot fool the host. */
interface Tools {
  handler: QuickJSHandle;
  parse: QuickJSHandle;
  stringify: QuickJSHandle;
  json: QuickJSHandle;
  /** Whether the interrupt handler has stopped the script (its error is then a timeout). */
  interrupted: () => boolean;
}

/**
 * Creates a runtime and context with their limits, runs the script's top level, finds `handler`,
 * and hands them to `use`; disposes of everything afterwards, whatever happened.
 */
async function withScript<T>(code: string, use: (vm: QuickJSContext, tools: Tools) => T): Promise<T> {
  const module = await loadJavascriptEngine();
  const runtime = module.newRuntime();
  runtime.setMaxStackSize(JAVASCRIPT_STACK_BYTES);
  const started = { wallMs: Date.now(), cpuMs: ownCpuMs() };
  let interrupted = false;
  // Checked by QuickJS every few thousand operations. Time spent waiting for a CPU on a busy
  // machine is not the script's: only past the limit in wall time is the CPU time read at all.
  runtime.setInterruptHandler(() => {
    if (Date.now() - started.wallMs <= EVALUATION_TIMEOUT_MS) return false;
    interrupted ||= ownCpuMs() - started.cpuMs > EVALUATION_TIMEOUT_MS;
    return interrupted;
  });
  const vm = runtime.newContext();
  const handles: QuickJSHandle[] = [];
  const keep = (h: QuickJSHandle) => (handles.push(h), h);
  try {
    const json = keep(vm.getProp(vm.global, "JSON"));
    const parse = keep(vm.getProp(json, "parse"));
    const stringify = keep(vm.getProp(json, "stringify"));
    const evaluated = vm.evalCode(code, "transformation.js", { type: "global" });
    if (evaluated.error) throw scriptError(vm, keep(evaluated.error), interrupted);
    evaluated.value.dispose();
    const handler = keep(vm.getProp(vm.global, "handler"));
    if (vm.typeof(handler) !== "function") throw new ScriptError("failed", HANDLER_MISSING);
    return use(vm, { handler, parse, stringify, json, interrupted: () => interrupted });
  } finally {
    try {
      for (const h of handles.reverse()) if (h.alive) h.dispose();
      vm.dispose();
      runtime.dispose();
    } catch {
      // QuickJS aborted while freeing the runtime (an internal assertion): this module instance
      // can no longer be trusted. The next evaluation gets a fresh one; this one's result stands.
      engine = null;
    }
  }
}

/** The error a script raised, described; `timeout` when the interrupt handler stopped it. */
function scriptError(vm: QuickJSContext, handle: QuickJSHandle, interrupted: boolean): ScriptError {
  if (interrupted) return new ScriptError("timeout", `the script ran past ${EVALUATION_TIMEOUT_MS} ms and was stopped`);
  const dumped = vm.dump(handle) as { name?: string; message?: string; stack?: string } | string | null;
  const text =
    typeof dumped === "object" && dumped !== null
      ? `${dumped.name ?? "Error"}: ${dumped.message ?? ""}${firstFrame(dumped.stack)}`
      : String(dumped);
  if (/out of memory/i.test(text))
    return new ScriptError(
      "failed",
      `the script exceeded the memory limit of ${JAVASCRIPT_MEMORY_BYTES / (1024 * 1024)} MB and was stopped`,
    );
  return new ScriptError("failed", text);
}

function firstFrame(stack: string | undefined): string {
  const frame = stack?.split("\n").find((line) => line.trim().startsWith("at "));
  return frame ? ` (${frame.trim()})` : "";
}

function runHandler(vm: QuickJSContext, tools: Tools, webhookJson: string, originalUrl: string): JobResult {
  const own: QuickJSHandle[] = [];
  const keep = (h: QuickJSHandle) => (own.push(h), h);
  const call = (fn: QuickJSHandle, self: QuickJSHandle, ...args: QuickJSHandle[]): QuickJSHandle => {
    const result = vm.callFunction(fn, self, ...args);
    if (result.error) throw scriptError(vm, keep(result.error), tools.interrupted());
    return keep(result.value);
  };
  try {
    const webhook = call(tools.parse, tools.json, keep(vm.newString(webhookJson)));
    const result = call(tools.handler, vm.undefined, webhook);
    const isObject = vm.typeof(result) === "object" && !vm.sameValue(result, vm.null);
    if (!isObject || vm.typeof(keep(vm.getProp(result, "then"))) === "function")
      throw new ScriptError("failed", "handler(webhook) must return the webhook object (not a promise)");
    const field = (name: string): unknown => vm.dump(keep(vm.getProp(result, name)));
    const cancel = field("cancel") === true;
    const method = field("method");
    const url = field("url");
    const payloadText = call(tools.stringify, tools.json, keep(vm.getProp(result, "payload")));
    const body = vm.typeof(payloadText) === "string" ? vm.getString(payloadText) : null;
    if (body === null && !cancel) throw new ScriptError("failed", "the returned webhook has no payload");
    if (body !== null && body.length > MAX_STRING_LENGTH)
      throw new ScriptError("failed", `the payload is longer than ${MAX_STRING_LENGTH} characters of JSON`);
    if (cancel) return { ok: true, passed: false, canceled: true, body };
    if (method !== "POST" && method !== "PUT")
      throw new ScriptError(
        "failed",
        `webhook.method must be "POST" or "PUT", not ${JSON.stringify(method) ?? "undefined"}`,
      );
    if (typeof url !== "string") throw new ScriptError("failed", "webhook.url must be a string");
    return {
      ok: true,
      passed: true,
      body,
      ...(method !== "POST" ? { method } : {}),
      ...(url !== originalUrl ? { url } : {}),
    };
  } finally {
    for (const h of own.reverse()) if (h.alive) h.dispose();
  }
}
