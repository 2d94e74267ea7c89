// Run by tests/worker/pinned-connection.test.ts in a process of its own (so that
// NODE_EXTRA_CA_CERTS, read at start-up, trusts the test's certificate): one delivery
// attempt through the worker's real sender, with a resolver that answers as told and an
// address rule that lets loopback through, so the connection to the checked address
// (the URL's host kept for Host and TLS) is exercised against a local receiver.
import { attemptDelivery } from "../../src/worker/deliver.ts";

const { url, answers } = JSON.parse(process.argv[2]!) as { url: string; answers: Record<string, string[]> };
const result = await attemptDelivery(
  { url, webhookId: "msg_pinned", payload: { type: "application.created", data: {} }, secrets: [`whsec_${btoa("pinned connection test secret!!")}`] },
  {
    policy: { allowedHosts: [], resolve: async (host) => answers[host] ?? [], addressRule: () => undefined },
    timeoutMs: 5000,
  },
);
console.log(JSON.stringify(result));
