import v8 from "node:v8";

/**
 * How far V8 lets the heap grow past what survived its last full collection before collecting
 * again: 100 means to twice the live size. Left to itself, V8 picks the factor from its GC speed
 * and, at a server's allocation rate, lets the heap reach several times the live set, which is
 * what set the server's peak resident size. Smaller factors began to cost throughput; the
 * measurements are in docs/benchmarks.md, "Memory".
 */
export const HEAP_GROWING_PERCENT = 100;
const FLAG = "heap-growing-percent";

/**
 * Applies HEAP_GROWING_PERCENT to this process unless the operator chose a factor on node's own
 * command line (`node --heap-growing-percent=N bin/hookline.js serve`), which wins. Node refuses
 * the flag in NODE_OPTIONS, so the command line is the only place to look.
 */
export function boundHeapGrowth(execArgv: readonly string[] = process.execArgv): boolean {
  if (execArgv.some((arg) => arg.replace(/_/g, "-").includes(FLAG))) return false;
  v8.setFlagsFromString(`--${FLAG}=${HEAP_GROWING_PERCENT}`);
  return true;
}
