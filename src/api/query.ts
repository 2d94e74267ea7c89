// Query strings validated here rather than by Elysia's `query:` option. With a zod
// (Standard Schema) query validator Elysia 1.4 splits every value containing a comma
// into an array and JSON-parses values in [] or {} before validating: location
// "San Francisco, CA" or q "rust, go" would be refused as arrays. Without the option it
// hands the values over as sent (the last one wins when a name repeats), and this
// validates them with the same schema and answers in the errors plugin's 422 shape.
import { z } from "zod";
import { validationError } from "../core/validation.ts";

export function parseQuery<T extends z.ZodType>(schema: T, query: Record<string, unknown>): z.output<T> {
  const result = schema.safeParse(query);
  if (result.success) return result.data;
  throw validationError("query", result.error);
}

/** The schema's fields as OpenAPI query parameters, so /docs still shows them. */
export function queryParameters(schema: z.ZodType) {
  const json = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as { properties?: Record<string, Record<string, unknown>> };
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: "query" as const,
    required: false,
    schema: property,
    ...(typeof property.description === "string" ? { description: property.description } : {}),
  }));
}
