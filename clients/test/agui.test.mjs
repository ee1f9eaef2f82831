// @ag-ui/client's HttpAgent (the AG-UI reference client) against `rxagents serve`'s POST /agui.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { HttpAgent } from "@ag-ui/client";
import { BASE, EXPECT, runStatus, waitFor } from "./helpers.mjs";

let counter = 0;

function newAgent(prompt, extra = {}) {
  counter += 1;
  return new HttpAgent({
    url: `${BASE}/agui`,
    threadId: `thread-${counter}`,
    initialMessages: [{ id: `u-${counter}`, role: "user", content: prompt }],
    ...extra,
  });
}

// Run to the end, recording every event the client verified and applied.
async function run(agent, parameters = {}) {
  const events = [];
  let failure;
  try {
    const outcome = await agent.runAgent(
      { runId: `run-${counter}`, ...parameters },
      { onEvent: ({ event }) => { events.push(event); } },
    );
    return { events, types: events.map((e) => e.type), outcome };
  } catch (error) {
    failure = error;
  }
  return { events, types: events.map((e) => e.type), failure };
}

const texts = (messages) =>
  messages.filter((m) => m.role === "assistant" && m.content).map((m) => m.content);

describe("@ag-ui/client HttpAgent.runAgent", () => {
  test("text: the run's events in order, the answer in agent.messages", async () => {
    const agent = newAgent("text please");
    const { types, events, outcome } = await run(agent);
    assert.equal(types[0], "RUN_STARTED");
    assert.equal(types[1], "STATE_SNAPSHOT");
    assert.equal(types.at(-1), "RUN_FINISHED");
    assert.equal(types.at(-2), "MESSAGES_SNAPSHOT");
    assert.equal(events[0].threadId, agent.threadId);
    assert.equal(events[0].runId, `run-${counter}`);
    const order = ["STEP_STARTED", "TEXT_MESSAGE_START", "TEXT_MESSAGE_CONTENT", "TEXT_MESSAGE_END", "STEP_FINISHED"];
    assert.deepEqual(types.filter((t) => order.includes(t)).filter((t, i, all) => t !== all[i - 1]), order);
    assert.ok(types.filter((t) => t === "TEXT_MESSAGE_CONTENT").length >= 4, "streamed in pieces");
    assert.deepEqual(texts(agent.messages), ["Hello from rxagents, streamed in pieces."]);
    assert.equal(outcome.result, "Hello from rxagents, streamed in pieces.");
    assert.equal(agent.messages[0].content, "text please");
    assert.equal(agent.state.rxagents.agent, "triage");
    assert.equal(agent.state.rxagents.complete, true);
    assert.equal(agent.state.rxagents.turns, 1);
  });

  test("a tool call: START/ARGS/END/RESULT, and the state follows by JSON Patch", async () => {
    const agent = newAgent("tool please", { initialState: { mine: "kept" } });
    const { types, events } = await run(agent);
    const tool = ["TOOL_CALL_START", "TOOL_CALL_ARGS", "TOOL_CALL_END", "TOOL_CALL_RESULT"];
    assert.deepEqual(types.filter((t) => tool.includes(t)).filter((t, i, all) => t !== all[i - 1]), tool);
    const args = events.filter((e) => e.type === "TOOL_CALL_ARGS").map((e) => e.delta);
    assert.ok(args.length > 1, "arguments streamed in pieces");
    assert.deepEqual(JSON.parse(args.join("")), { q: "weather" });
    assert.ok(types.includes("STATE_DELTA"));
    assert.equal(agent.state.mine, "kept");
    assert.deepEqual(
      agent.state.rxagents.toolCalls.map((c) => [c.name, c.status]),
      [["lookup", "done"]],
    );
    const call = agent.messages.find((m) => m.toolCalls)?.toolCalls[0];
    assert.equal(call.function.name, "lookup");
    assert.deepEqual(JSON.parse(call.function.arguments), { q: "weather" });
    const result = agent.messages.find((m) => m.role === "tool");
    assert.equal(result.toolCallId, call.id);
    assert.equal(result.content, "found: weather is sunny");
    assert.deepEqual(texts(agent.messages), ["Let me look that up.", "It is sunny."]);
  });

  test("a handoff is a CUSTOM event and the state's agent changes", async () => {
    const agent = newAgent("handoff please");
    const { events } = await run(agent);
    const custom = events.filter((e) => e.type === "CUSTOM").map((e) => [e.name, e.value]);
    assert.deepEqual(custom, [
      ["agent_updated", { name: "triage" }],
      ["handoff", { from: "triage", to: "billing" }],
      ["agent_updated", { name: "billing" }],
    ]);
    assert.equal(agent.state.rxagents.agent, "billing");
    assert.deepEqual(agent.state.rxagents.handoffs, [{ from: "triage", to: "billing" }]);
    assert.deepEqual(texts(agent.messages), ["Billing here, how can I help?"]);
  });

  test("an agent used as a tool is a subagent: its events carry its subagentRunId", async () => {
    const agent = newAgent("subagent please");
    const { events, types } = await run(agent);
    const started = events.find((e) => e.type === "SUBAGENT_STARTED");
    const call = events.find((e) => e.type === "TOOL_CALL_START");
    assert.equal(started.name, "researcher");
    assert.equal(started.parentToolCallId, call.toolCallId);
    const finished = events.find((e) => e.type === "SUBAGENT_FINISHED");
    assert.equal(finished.subagentRunId, started.subagentRunId);
    assert.equal(finished.result, "Research notes: three facts.");
    const inside = events.slice(events.indexOf(started) + 1, events.indexOf(finished));
    assert.ok(inside.some((e) => e.type === "TEXT_MESSAGE_CONTENT"));
    assert.ok(inside.filter((e) => e.type !== "STATE_DELTA").every((e) => e.subagentRunId === started.subagentRunId));
    assert.ok(types.indexOf("SUBAGENT_FINISHED") < types.indexOf("TOOL_CALL_RESULT"));
    const sub = agent.messages.find((m) => m.subagentRunId === started.subagentRunId);
    assert.equal(sub.content, "Research notes: three facts.");
    assert.deepEqual(texts(agent.messages.filter((m) => !m.subagentRunId)), [
      "Summary: the researcher found facts.",
    ]);
  });

  test("a run error is RUN_ERROR and runAgent rejects with its message", async () => {
    const agent = newAgent("error please");
    const { types, events, failure } = await run(agent);
    assert.equal(types.at(-1), "RUN_ERROR");
    assert.equal(events.at(-1).code, "RuntimeError");
    assert.match(events.at(-1).message, /the model service broke/);
    assert.ok(!types.includes("RUN_FINISHED"));
    assert.ok(types.indexOf("TEXT_MESSAGE_END") < types.indexOf("RUN_ERROR"), "text closed first");
    assert.ok(failure === undefined || /model service broke/.test(String(failure)), String(failure));
  });

  test("abortRun() stops reading and cancels the run on the server", async () => {
    const agent = newAgent("slow please");
    const events = [];
    let runId;
    const running = agent.runAgent({ runId: "abort-1" }, {
      onEvent: ({ event }) => {
        events.push(event);
        if (event.type === "STATE_DELTA") {
          const op = event.delta.find((o) => o.path === "/rxagents/runId");
          if (op) runId = op.value;
        }
      },
    }).catch((error) => error);
    await waitFor(() => events.some((e) => e.type === "TEXT_MESSAGE_CONTENT"), "the first text");
    agent.abortRun();
    await running;
    assert.ok(runId, "the run's id arrived in the state");
    assert.equal(await runStatus(runId), "cancelled");
  });

  test("a second run sends the whole thread back, tool calls and results included", async () => {
    const agent = newAgent("tool please");
    await run(agent);
    agent.addMessage({ id: "u-again", role: "user", content: "history please" });
    const { outcome } = await run(agent);
    assert.equal(
      outcome.result,
      "history: 2 user, 1 calls, outputs ['found: weather is sunny'], " +
        "said ['Let me look that up.', 'It is sunny.']",
    );
    const ids = agent.messages.map((m) => m.id);
    assert.equal(new Set(ids).size, ids.length, "message ids stay unique across runs");
  });

  test("model text full of framing characters arrives exactly (LF-only framing)", async () => {
    const agent = newAgent("framing please");
    await run(agent);
    assert.deepEqual(texts(agent.messages), [EXPECT.framing]);
  });
});

describe("@ag-ui/client's SSE parser", () => {
  const encode = (text) => ({ type: "data", data: new TextEncoder().encode(text) });
  const event = '{"type":"RUN_STARTED","threadId":"t","runId":"r"}';

  // The events parseSSEStream gives for a response body of `text` (or the error it raises).
  async function parse(text) {
    const { parseSSEStream } = await import("@ag-ui/client");
    const { Subject, toArray, lastValueFrom } = await import("rxjs");
    const body = new Subject();
    const parsed = lastValueFrom(parseSSEStream(body).pipe(toArray())).catch((error) => error);
    body.next(encode(text));
    body.complete();
    return parsed;
  }

  test("splits events on LF blank lines (our framing)", async () => {
    const parsed = await parse(`data: ${event}\n\ndata: ${event}\n\n`);
    assert.deepEqual(parsed.map((e) => e.type), ["RUN_STARTED", "RUN_STARTED"]);
  });

  test("CRLF blank lines (sse-starlette's default) give it no events: it fails", async () => {
    const parsed = await parse(`data: ${event}\r\n\r\ndata: ${event}\r\n\r\n`);
    assert.ok(parsed instanceof SyntaxError, `parsed: ${JSON.stringify(parsed)}`);
  });
});
