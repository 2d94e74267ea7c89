// Checks that this Node.js satisfies package.json "engines.node" (CI runs it first).
// Plain Node, no dependencies: it must run before anything else works.
//
// Node.js runs two things here: npm, and the type generator (@supabase/postgres-meta,
// which needs Node >= 20 and a native add-on Bun cannot load). The servers, the tests, the
// other scripts and every supabase-js client run on Bun, which comes from npm
// (node_modules/.bin/bun). The floor is npm 11's own (20.17). On Node 20, npm prints
// EBADENGINE warnings for @supabase/* ("node >= 22", for Node's built-in WebSocket):
// those packages never run under Node here.
import fs from "node:fs";

const wanted = JSON.parse(fs.readFileSync(new URL("../package.json", import.meta.url), "utf8")).engines.node;
const floor = /^>=\s*(\d+)\.(\d+)\.(\d+)$/.exec(wanted);
if (!floor) {
  console.error(`package.json engines.node is "${wanted}": this check reads only ">=X.Y.Z".`);
  process.exit(2);
}
const have = process.versions.node.split(".").map(Number);
const need = floor.slice(1).map(Number);
const ok = have[0] !== need[0] ? have[0] > need[0] : have[1] !== need[1] ? have[1] > need[1] : have[2] >= need[2];
if (!ok) {
  console.error(`Node.js ${process.versions.node} is older than package.json asks (${wanted}); npm 11 needs it. Install a newer Node.js.`);
  process.exit(1);
}
console.log(`Node.js ${process.versions.node} satisfies engines.node ${wanted} (Node runs npm and the type generator; everything else runs on Bun from node_modules).`);
