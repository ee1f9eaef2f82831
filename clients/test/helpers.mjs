// Shared by the real-client tests: where the server is and what it should say.
import { readFileSync } from "node:fs";

export const BASE = process.env.RXAGENTS_URL;
if (!BASE) throw new Error("set RXAGENTS_URL to a running `rxagents serve` (the pytest test does)");

// Texts that only Python writes exactly (framing characters), from the pytest side.
export const EXPECT = JSON.parse(readFileSync(process.env.RXAGENTS_EXPECT, "utf8"));

export function userMessage(id, text) {
  return { id, role: "user", parts: [{ type: "text", text }] };
}

export function textOf(message) {
  return message.parts.filter((p) => p.type === "text").map((p) => p.text).join("");
}

export function partsOf(message, type) {
  return message.parts.filter((p) => p.type === type);
}

// A run's own SSE stream (GET /runs/{id}/events) read to its end: the `done` status.
export async function runStatus(runId) {
  const response = await fetch(`${BASE}/runs/${runId}/events`);
  const body = await response.text();
  const done = body.split("\n").filter((line) => line.startsWith("data: ")).at(-1);
  return JSON.parse(done.slice(6)).status;
}

export async function waitFor(condition, what, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
