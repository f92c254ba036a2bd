// Shared set-up for scenarios: `node tests/js/<scenario>.mjs` with PB_URL (and scenario env) set.
// A scenario exports nothing; it calls `scenario(async (pb, env) => result)`. The result is printed as
// one JSON line on stdout (pytest's run_js parses the last line); a thrown error prints
// {"error", "status", "response"} on stdout and exits 1, so the failing request shows in the test report.
import PocketBase from "pocketbase";
import { EventSource } from "eventsource";

// the SDK's realtime client expects the browser's EventSource
globalThis.EventSource ??= EventSource;

export function client() {
  const url = process.env.PB_URL;
  if (!url) throw new Error("PB_URL is not set");
  return new PocketBase(url);
}

export async function scenario(body) {
  try {
    const result = await body(client(), process.env);
    process.stdout.write(JSON.stringify(result ?? null) + "\n");
    process.exit(0);
  } catch (error) {
    const failure = {
      error: String(error?.message ?? error),
      status: error?.status,
      response: error?.response,
      stack: error?.stack,
    };
    process.stdout.write(JSON.stringify(failure) + "\n");
    process.exit(1);
  }
}
