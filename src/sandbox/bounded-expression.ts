import jsonata from "jsonata";
import { COMPILED_CACHE_SIZE } from "./limits.ts";

/**
 * Which tenant expressions are cheap enough, provably, to evaluate on the server's own event loop
 * instead of making a round trip to a sandbox process (docs/operations.md, "Expression sandbox").
 *
 * An expression is "bounded" when it is at most MAX_BOUNDED_EXPRESSION_LENGTH characters long and
 * every node of its syntax tree is one of the kinds below, in the positions allowed below.
 * Anything else (every function call, lambdas, `:=`, `..`, `&`, regexes, `~>`, sort, transforms,
 * `%`, `@`, `#`, `**`, group-by `a{...}`, predicates on anything but a path step, node kinds or
 * properties this file does not know) goes to the sandbox, as does an expression that does not parse.
 *
 * The argument. Write N for the size of the input (a JSON payload of at most HOOKLINE_MAX_BODY_BYTES,
 * parsed, so a tree: no node is shared) and S(x) for the size of the subtree at a node x. Claim:
 * evaluating an allowed expression e with context x takes O(|e| × (S(x) + 1)) steps and its result
 * holds O(|e| × (S(x) + 1)) in new values and references (counting a reference to an input node as
 * that node's subtree size, so its JSON text is that long too). By induction on e:
 *
 * - Literals (strings, numbers, `true`/`false`/`null`): O(1).
 * - Variables: `$` is the context itself (a reference); named variables are what Hookline binds, the
 *   endpoint's string `variables`, or a built-in function object, or nothing: O(1) each, never
 *   called since no call node is allowed. `$$` (the root) only outside predicates and path steps,
 *   where the context is the root: inside them it would cost up to N once per item, N² in all.
 * - Paths whose steps are field names and wildcards `*`, starting from a name, a wildcard or a
 *   variable: each step maps the nodes it has to some of their children, so after every step the
 *   sequence is a set of distinct, pairwise unrelated nodes under x (an antichain: a tree has no
 *   sharing), and a step costs O(sum of their subtree sizes) <= O(S(x)). This is why no other kind
 *   of step is allowed before the last: a constructor or a literal as a step could hand the same
 *   node on several times, and a chain of such steps (`[1,1].[1,1].[1,1]...`) doubles per step.
 * - Predicates `[...]` on a path step: the predicate runs once per item y of an antichain, costing
 *   O(|p| × (S(y) + 1)) each by induction, O(|p| × S(x)) in all; the result is a subset. A number
 *   predicate is an index. Predicates on anything else (`(a)[0]`) are not allowed, for simplicity.
 * - An object or array constructor as the last step of a path (`items.{ "id": id }`): runs once per
 *   item y of an antichain, O(|c| × (S(y) + 1)) each, O(|c| × S(x)) in all. Elsewhere (not as a
 *   step) a constructor is evaluated once: the sum of its parts.
 * - Comparisons (`=`, `!=`, `<`, `<=`, `>`, `>=`; deep equality walks at most the smaller side),
 *   `in` (one pass over the right side), `and`/`or`, arithmetic (numbers only, else an error), unary
 *   minus, conditions `? :` and blocks `( ...; ... )` (no bindings are allowed, so a block is its
 *   parts one after another): the sum of their parts, and a result no larger than one of them.
 *
 * Not allowed although linear: string concatenation `&`. Each side is written out as text, so
 * `payload.s & payload.s & ...` builds |e| x N characters in one string (V8 concatenates lazily,
 * so this takes no time until the string is flattened, when the result is written out, past
 * the guardrails' reach): about 200 MB from a 1 MiB payload and a 2,048-character expression.
 *
 * So an allowed expression costs O(|e| × N), linear in the payload for a given expression. The
 * length cap keeps |e| small (and the parse, which runs on the event loop, short). Linear is not
 * always short: in-process, JSONata's guardrails stop an evaluation after IN_PROCESS_TIMEOUT_MS
 * (in-process-evaluator.ts), which also caps what it can allocate; it is then run in the sandbox.
 * An expression stopped that way three times in a row, stopped for its depth, or that built a
 * large result goes to the sandbox from then on (demoteExpression).
 */

/** Longest expression text classified at all; longer ones always go to the sandbox. */
export const MAX_BOUNDED_EXPRESSION_LENGTH = 2048;

export type ExpressionRoute = "bounded" | "sandbox";

interface Node {
  type: string;
  value?: unknown;
  [key: string]: unknown;
}

/** Properties a node may carry (besides those its kind reads): positions and array-keeping flags. */
const HARMLESS_KEYS = new Set(["type", "value", "position", "keepArray", "keepSingletonArray", "consarray"]);
const BINARY_OPERATORS = new Set(["=", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "%", "and", "or", "in"]);

/** Whether `node` has only the given properties besides the harmless ones. */
function onlyKeys(node: Node, ...keys: string[]): boolean {
  return Object.keys(node).every((key) => HARMLESS_KEYS.has(key) || keys.includes(key));
}

function isNode(value: unknown): value is Node {
  return typeof value === "object" && value !== null && typeof (value as Node).type === "string";
}

/**
 * Whether `node` is allowed; `perItem` is true inside predicates and path steps after the first,
 * which run once per item of a sequence (where `$$` is refused).
 */
function allowed(node: unknown, perItem: boolean): boolean {
  if (!isNode(node)) return false;
  switch (node.type) {
    case "string":
    case "number":
    case "value":
      return onlyKeys(node);
    case "variable":
      return onlyKeys(node) && !(perItem && node.value === "$");
    case "path":
      return onlyKeys(node, "steps") && allowedPath(node.steps, perItem);
    case "binary":
      return (
        onlyKeys(node, "lhs", "rhs") &&
        BINARY_OPERATORS.has(node.value as string) &&
        allowed(node.lhs, perItem) &&
        allowed(node.rhs, perItem)
      );
    case "unary":
      if (node.value === "-") return onlyKeys(node, "expression") && allowed(node.expression, perItem);
      return allowedConstructor(node, perItem);
    case "condition":
      return (
        onlyKeys(node, "condition", "then", "else") &&
        allowed(node.condition, perItem) &&
        allowed(node.then, perItem) &&
        (node.else === undefined || allowed(node.else, perItem))
      );
    case "block":
      return onlyKeys(node, "expressions") && allowedList(node.expressions, perItem);
    default:
      return false;
  }
}

function allowedList(nodes: unknown, perItem: boolean): boolean {
  return Array.isArray(nodes) && nodes.every((node) => allowed(node, perItem));
}

/** An object constructor `{ key: value, ... }` or an array constructor `[ ... ]`. */
function allowedConstructor(node: Node, perItem: boolean): boolean {
  if (node.value === "[") return onlyKeys(node, "expressions") && allowedList(node.expressions, perItem);
  if (node.value !== "{" || !onlyKeys(node, "lhs") || !Array.isArray(node.lhs)) return false;
  return node.lhs.every(
    (pair: unknown) =>
      Array.isArray(pair) && pair.length === 2 && allowed(pair[0], perItem) && allowed(pair[1], perItem),
  );
}

/** A navigational step: a field name or `*`, with optional predicates. */
function allowedNavigation(step: Node): boolean {
  if (step.type !== "name" && step.type !== "wildcard") return false;
  if (!onlyKeys(step, "stages")) return false;
  if (step.stages === undefined) return true;
  return (
    Array.isArray(step.stages) &&
    step.stages.every(
      (stage: unknown) =>
        isNode(stage) && stage.type === "filter" && onlyKeys(stage, "expr") && allowed(stage.expr, true),
    )
  );
}

function allowedPath(steps: unknown, perItem: boolean): boolean {
  if (!Array.isArray(steps) || steps.length === 0) return false;
  return steps.every((step: unknown, index) => {
    if (!isNode(step)) return false;
    if (allowedNavigation(step)) return true;
    if (index === 0) return step.type === "variable" && allowed(step, perItem);
    return index === steps.length - 1 && step.type === "unary" && allowedConstructor(step, true);
  });
}

/** The route for an expression text, computed from its syntax tree. */
export function classifyExpression(code: string): ExpressionRoute {
  if (code.length > MAX_BOUNDED_EXPRESSION_LENGTH) return "sandbox";
  let ast: unknown;
  try {
    ast = jsonata(code).ast();
  } catch {
    return "sandbox"; // the sandbox reports the syntax error, as for any expression
  }
  return allowed(ast, false) ? "bounded" : "sandbox";
}

/** Routes already decided, by expression text; least recently used evicted first. */
const routes = new Map<string, ExpressionRoute>();

/**
 * Sends an expression text to the sandbox from now on: one that ran into the in-process time or
 * depth guardrail (a linear cost can still be a long one over a large payload), so that it costs
 * the event loop that time once, not on every delivery.
 */
export function demoteExpression(code: string): void {
  routes.delete(code);
  if (routes.size >= COMPILED_CACHE_SIZE) routes.delete(routes.keys().next().value!);
  routes.set(code, "sandbox");
}

/** classifyExpression, computed once per expression text (COMPILED_CACHE_SIZE texts remembered). */
export function expressionRoute(code: string): ExpressionRoute {
  let route = routes.get(code);
  if (route !== undefined) {
    routes.delete(code);
    routes.set(code, route);
    return route;
  }
  route = classifyExpression(code);
  if (routes.size >= COMPILED_CACHE_SIZE) routes.delete(routes.keys().next().value!);
  routes.set(code, route);
  return route;
}
