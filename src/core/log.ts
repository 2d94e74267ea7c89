// Structured logs: one JSON object per line, so the platform's log search can filter
// on request_id, status or route. Runtime-neutral (console only).
export type LogLevel = "debug" | "info" | "warn" | "error";
const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export function createLogger(options: { level?: LogLevel; service: string; write?: (line: string) => void }): Logger {
  const threshold = order[options.level ?? "info"];
  const write = options.write ?? ((line: string) => console.log(line));
  const emit = (level: LogLevel) => {
    if (order[level] < threshold) return () => {};
    // {"time":…,"level":…,"service":…,"message":…, …fields}: what stays the same from one
    // line to the next is written once, here (a line per request is on the hot path).
    // A field named like one of the four comes later in the line, and wins, as a spread would.
    const head = `","level":${JSON.stringify(level)},"service":${JSON.stringify(options.service)},"message":`;
    return (message: string, fields?: Record<string, unknown>) => {
      const rest = fields ? JSON.stringify(fields) : "{}";
      write(`{"time":"${new Date().toISOString()}${head}${JSON.stringify(message)}${rest.length > 2 ? `,${rest.slice(1)}` : "}"}`);
    };
  };
  return { debug: emit("debug"), info: emit("info"), warn: emit("warn"), error: emit("error") };
}

export function parseLogLevel(value: string | undefined): LogLevel {
  return value && value in order ? (value as LogLevel) : "info";
}

/** How many causes of an error are logged, and how long each message may be. */
export const errorLogBounds = { causes: 5, messageChars: 1000 } as const;

/**
 * An error as log fields: its message, name and stack, and its cause chain (`causes`:
 * what wrapped errors say, outermost first, at most errorLogBounds.causes of them).
 * Only names, messages and codes are taken, never other properties: a database error
 * carries its query's parameters and a body-read error the bytes it read, which may be
 * what a client sent.
 */
export function errorFields(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { error: clip(String(error)) };
  const fields: Record<string, unknown> = { error: clip(error.message), error_name: error.name, stack: error.stack };
  const causes: Record<string, unknown>[] = [];
  for (let cause = error.cause; cause !== undefined && causes.length < errorLogBounds.causes; cause = cause instanceof Error ? cause.cause : undefined) {
    causes.push(describeCause(cause));
  }
  if (causes.length > 0) fields.causes = causes;
  return fields;
}

function describeCause(cause: unknown): Record<string, unknown> {
  if (!(cause instanceof Error)) return { error: clip(String(cause)) };
  const code = (cause as { code?: unknown }).code;
  return { error: clip(cause.message), error_name: cause.name, ...(typeof code === "string" ? { code } : {}) };
}

function clip(text: string): string {
  return text.length > errorLogBounds.messageChars ? `${text.slice(0, errorLogBounds.messageChars)}…` : text;
}
