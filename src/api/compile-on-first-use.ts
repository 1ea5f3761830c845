import { SerializerSelector } from "@fastify/fast-json-stringify-compiler";
import type { Validator } from "./input-limits.ts";

/*
 * Routes' schemas are compiled on each route's first request instead of when the route is added.
 * Compiling every route's request validators (Ajv) and response serializers (fast-json-stringify)
 * at start took most of the start-up's CPU time, for routes most processes never serve
 * (docs/benchmarks.md, "Start-up"). The first request of each route pays its compile once; what
 * is accepted, refused and answered is the same.
 */

/** A validator compiled by `compile` on its first call. */
export function compiledOnFirstUse(compile: () => Validator): Validator {
  let validate: Validator | null = null;
  const lazy: Validator = (data: unknown) => {
    validate ??= compile();
    const valid = validate(data);
    lazy.errors = validate.errors;
    return valid;
  };
  return lazy;
}

type SerializerFactory = ReturnType<typeof SerializerSelector>;

/**
 * Fastify's own response serializer factory (the one it uses when none is given), with each
 * serializer compiled on its first response: for Fastify's `schemaController.compilersFactory.buildSerializer`.
 */
export const buildSerializerOnFirstUse: SerializerFactory = (externalSchemas, options) => {
  const compile = SerializerSelector()(externalSchemas, options);
  return (route) => {
    let serialize: ((doc: unknown) => string) | null = null;
    return (doc) => (serialize ??= compile(route))(doc);
  };
};
