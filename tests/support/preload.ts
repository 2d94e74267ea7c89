// Loaded before every suite (bunfig.toml): tears the run's databases down at the end.
import { afterAll } from "bun:test";
import { releaseTestDatabases } from "./database.ts";
import { closeInProcessFacade } from "./facade.ts";
import { stopTestStack } from "./stack.ts";
import { closeWorld } from "./world.ts";

afterAll(async () => {
  await stopTestStack();
  await closeInProcessFacade();
  await closeWorld();
  await releaseTestDatabases();
});
