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
  const emit = (level: LogLevel) => (message: string, fields: Record<string, unknown> = {}) => {
    if (order[level] < threshold) return;
    write(JSON.stringify({ time: new Date().toISOString(), level, service: options.service, message, ...fields }));
  };
  return { debug: emit("debug"), info: emit("info"), warn: emit("warn"), error: emit("error") };
}

export function parseLogLevel(value: string | undefined): LogLevel {
  return value && value in order ? (value as LogLevel) : "info";
}

/** An error as log fields, with its cause chain but never a request body. */
export function errorFields(error: unknown): Record<string, unknown> {
  if (error instanceof Error) return { error: error.message, error_name: error.name, stack: error.stack };
  return { error: String(error) };
}
