// The AI SDK's own client (ai 6 and ai 7 side by side) against `rxagents serve`'s POST /api/chat.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import * as ai6 from "ai6";
import * as ai7 from "ai7";
import { BASE, EXPECT, userMessage, textOf, partsOf, runStatus, waitFor } from "./helpers.mjs";

class State {
  status = "ready";
  error = undefined;
  messages = [];
  pushMessage = (m) => { this.messages = this.messages.concat(m); };
  popMessage = () => { this.messages = this.messages.slice(0, -1); };
  replaceMessage = (i, m) => {
    this.messages = [...this.messages.slice(0, i), this.snapshot(m), ...this.messages.slice(i + 1)];
  };
  snapshot = (thing) => structuredClone(thing);
}

for (const [version, ai] of [["ai 6", ai6], ["ai 7", ai7]]) {
  const transport = () => new ai.DefaultChatTransport({ api: `${BASE}/api/chat` });

  // AbstractChat is the state machine inside React's useChat.
  function newChat() {
    const state = new State();
    const errors = [];
    const chat = new (class extends ai.AbstractChat {})({
      transport: transport(), state, onError: (e) => errors.push(e),
    });
    return { chat, state, errors };
  }

  // Every snapshot readUIMessageStream yields while the response streams, and the last.
  async function read(prompt, chatId = `c-${Math.random()}`) {
    const stream = await transport().sendMessages({
      chatId, trigger: "submit-message", messageId: undefined,
      messages: [userMessage("u1", prompt)], abortSignal: undefined,
    });
    const snapshots = [];
    for await (const message of ai.readUIMessageStream({ stream })) {
      snapshots.push(structuredClone(message));
    }
    return { snapshots, last: snapshots.at(-1) };
  }

  describe(`${version}: DefaultChatTransport + readUIMessageStream`, () => {
    test("text streams in several snapshots and the agent is a data part", async () => {
      const { snapshots, last } = await read("text please");
      assert.equal(textOf(last), "Hello from rxagents, streamed in pieces.");
      const lengths = new Set(snapshots.map((m) => textOf(m).length));
      assert.ok(lengths.size >= 4, `text arrived in pieces, saw lengths ${[...lengths]}`);
      assert.deepEqual(partsOf(last, "data-agent").map((p) => p.data.name), ["triage"]);
      assert.equal(partsOf(last, "step-start").length, 1);
      assert.match(last.id, /^msg_run_/);
      assert.match(last.metadata.runId, /^run_/);
      assert.equal(last.metadata.usage.requests, 1);
    });

    test("a tool call streams its input, then its output, in two steps", async () => {
      const { snapshots, last } = await read("tool please");
      const tool = partsOf(last, "tool-lookup");
      assert.equal(tool.length, 1);
      assert.equal(tool[0].state, "output-available");
      assert.deepEqual(tool[0].input, { q: "weather" });
      assert.equal(tool[0].output, "found: weather is sunny");
      const states = snapshots.flatMap((m) => partsOf(m, "tool-lookup").map((p) => p.state));
      assert.ok(states.includes("input-streaming"), `states seen: ${states}`);
      const partial = snapshots.flatMap((m) => partsOf(m, "tool-lookup"))
        .find((p) => p.state === "input-streaming" && p.input && p.input.q && p.input.q !== "weather");
      assert.ok(partial, "a snapshot showed the arguments half streamed");
      assert.equal(partsOf(last, "step-start").length, 2);
      assert.deepEqual(partsOf(last, "text").map((p) => p.text), ["Let me look that up.", "It is sunny."]);
    });

    test("a failing tool is an output-error part, and the run goes on", async () => {
      const { last } = await read("broken please");
      const [tool] = partsOf(last, "tool-lookup");
      assert.equal(tool.state, "output-error");
      assert.match(tool.errorText, /lookup service unavailable/);
      assert.equal(textOf(last), "The tool failed.");
    });

    test("a handoff is a data-handoff part and the new agent answers", async () => {
      const { last } = await read("handoff please");
      assert.deepEqual(partsOf(last, "data-handoff").map((p) => p.data), [{ from: "triage", to: "billing" }]);
      assert.deepEqual(partsOf(last, "data-agent").map((p) => p.data.name), ["triage", "billing"]);
      assert.equal(textOf(last), "Billing here, how can I help?");
    });

    test("an agent used as a tool is one data-subrun part, updated in place", async () => {
      const { snapshots, last } = await read("subagent please");
      const [tool] = partsOf(last, "tool-researcher");
      assert.equal(tool.state, "output-available");
      assert.equal(tool.output, "Research notes: three facts.");
      const subruns = partsOf(last, "data-subrun");
      assert.equal(subruns.length, 1);
      assert.equal(subruns[0].data.status, "completed");
      assert.equal(subruns[0].data.agent, "researcher");
      assert.equal(subruns[0].data.toolCallId, tool.toolCallId);
      assert.equal(subruns[0].data.text, "Research notes: three facts.");
      const seen = snapshots.flatMap((m) => partsOf(m, "data-subrun").map((p) => p.data.status));
      assert.ok(seen.includes("running"), `statuses seen: ${seen}`);
      assert.equal(textOf(last), "Summary: the researcher found facts.");
    });

    test("model text full of framing characters arrives exactly", async () => {
      const { last } = await read("framing please");
      assert.equal(textOf(last), EXPECT.framing);
    });
  });

  describe(`${version}: AbstractChat (the state machine inside useChat)`, () => {
    test("a run error sets status error with the error's text; earlier text stays", async () => {
      const { chat, state, errors } = newChat();
      await chat.sendMessage({ text: "error please" });
      assert.equal(chat.status, "error");
      assert.match(chat.error.message, /RuntimeError: the model service broke/);
      assert.equal(errors.length, 1);
      assert.equal(textOf(state.messages.at(-1)), "Starting");
    });

    test("stop() aborts the response and cancels the run on the server", async () => {
      const { chat, state } = newChat();
      const sending = chat.sendMessage({ text: "slow please" });
      await waitFor(() => state.messages.length === 2 && textOf(state.messages[1]).length > 0,
        "the first text");
      await chat.stop();
      await sending;
      assert.equal(chat.status, "ready");
      const answer = state.messages[1];
      assert.ok(textOf(answer).length < "tick ".repeat(150).length, "stopped before the end");
      assert.equal(await runStatus(answer.metadata.runId), "cancelled");
    });

    test("a second turn sends the whole conversation back, tool calls included", async () => {
      const { chat, state } = newChat();
      await chat.sendMessage({ text: "tool please" });
      await chat.sendMessage({ text: "history please" });
      assert.equal(chat.status, "ready");
      assert.equal(state.messages.length, 4);
      assert.equal(
        textOf(state.messages[3]),
        "history: 2 user, 1 calls, outputs ['found: weather is sunny'], " +
          "said ['Let me look that up.', 'It is sunny.']",
      );
    });

    test("resume: a running chat's stream replays from its start; none running is 204", async () => {
      const { chat, state } = newChat();
      const sending = chat.sendMessage({ text: "slow please" });
      await waitFor(() => state.messages.length === 2 && textOf(state.messages[1]).length > 0,
        "the first text");
      const again = await transport().reconnectToStream({ chatId: chat.id });
      assert.ok(again, "a running chat has a stream to resume");
      let last;
      for await (const message of ai.readUIMessageStream({ stream: again })) last = message;
      await sending;
      assert.equal(textOf(last), "tick ".repeat(150));
      assert.equal(textOf(last), textOf(state.messages[1]));
      assert.equal(await transport().reconnectToStream({ chatId: chat.id }), null);
      assert.equal(await transport().reconnectToStream({ chatId: "never-seen" }), null);
    });
  });
}

// A durable run's turn restarted (a worker was lost mid-text): rxagents sends reset-step.
describe("reset-step (turn_restarted), through each version's own transport", () => {
  const fetchBody = async () => new Response(EXPECT.restart.body, {
    headers: { "content-type": "text/event-stream", "x-vercel-ai-ui-message-stream": "v1" },
  });
  const send = (ai) => new ai.DefaultChatTransport({ api: "/unused", fetch: fetchBody }).sendMessages({
    chatId: "r", trigger: "submit-message", messageId: undefined,
    messages: [userMessage("u1", "weather?")], abortSignal: undefined,
  });

  test("ai 7 drops the abandoned attempt's parts; the new attempt streams into the same step", async () => {
    let last;
    for await (const message of ai7.readUIMessageStream({ stream: await send(ai7) })) last = message;
    assert.equal(textOf(last), EXPECT.restart.text);
    assert.ok(!textOf(last).includes("Something"));
    assert.equal(partsOf(last, "step-start").length, 2);
    assert.equal(partsOf(last, "tool-lookup").length, 1);
  });

  test("ai 6 does not know reset-step: its transport refuses the chunk", async () => {
    const reader = (await send(ai6)).getReader();
    let failure;
    try {
      for (;;) { const { done } = await reader.read(); if (done) break; }
    } catch (error) {
      failure = error;
    }
    assert.ok(failure, "ai 6 read the stream to its end");
  });
});
