// The rxagents page: start a run, show its events live, stop it.
// Plain browser JavaScript: fetch() starts and stops runs, EventSource streams them.
// Everything the model or tools produce is inserted as text (textContent), never as HTML.
"use strict";

(function () {
  const base = document.querySelector('meta[name="rxagents-base"]').content;
  const form = document.getElementById("prompt-form");
  const prompt = document.getElementById("prompt");
  const sendButton = document.getElementById("send");
  const stopButton = document.getElementById("stop");
  const statusLine = document.getElementById("status");
  const output = document.getElementById("output");

  let source = null;      // the EventSource of the current run
  let runId = null;
  let lastSeq = -1;       // highest sequence_number shown (guards against repeats)
  let textBlock = null;   // the element text deltas are appended to
  let runStart = null;    // the first element of this run's output (for restarts)
  let currentSeq = -1;    // sequence_number of the event being shown (elements keep it)
  let nestedBlocks = new Map();  // sub-run path -> the element its text is appended to
  let guardrailTripped = null;   // the name of the guardrail that stopped this run, if one did

  function setStatus(status, detail) {
    statusLine.dataset.status = status;
    statusLine.textContent = detail ? status + ": " + detail : status;
  }

  function add(className, label, body) {
    const element = document.createElement("div");
    element.className = className;
    element.dataset.seq = String(currentSeq);
    if (label) {
      const strong = document.createElement("span");
      strong.className = "label";
      strong.textContent = label;
      element.appendChild(strong);
    }
    if (body !== undefined) {
      element.appendChild(document.createTextNode(label ? " " + body : body));
    }
    output.appendChild(element);
    textBlock = null;
    return element;
  }

  function appendText(delta) {
    if (textBlock === null) {
      textBlock = document.createElement("div");
      textBlock.className = "text";
      textBlock.dataset.seq = String(currentSeq);
      output.appendChild(textBlock);
    }
    textBlock.appendChild(document.createTextNode(delta));
  }

  function show(value) {
    return typeof value === "string" ? value : JSON.stringify(value);
  }

  function finish(status, detail) {
    if (source !== null) {
      source.close();
      source = null;
    }
    stopButton.disabled = true;
    sendButton.disabled = false;
    setStatus(status, detail);
  }

  // Each handler gets the parsed event; the SSE event name is the event's type.
  const handlers = {
    agent_updated_stream_event(event) {
      add("agent", "agent:", event.new_agent);
    },
    raw_response_event(event) {
      if (event.data.type === "response.output_text.delta") {
        appendText(event.data.delta);
      }
    },
    run_item_stream_event(event) {
      const item = event.item;
      const raw = item.raw_item || {};
      switch (event.name) {
        case "tool_called":
          add("tool tool-call", "tool call:", raw.name + "(" + (raw.arguments || "") + ")");
          break;
        case "tool_output":
          add("tool tool-output", "tool output:", show(item.output));
          break;
        case "handoff_requested":
          add("handoff", "handoff requested:", raw.name || "");
          break;
        case "handoff_occured":
          add("handoff", "handoff:", item.source_agent + " \u2192 " + item.target_agent);
          break;
        case "message_output_created":
          textBlock = null; // the next message starts a new block
          break;
        default:
          break;
      }
    },
    nested_run_event(event) {
      // An agent used as a tool: its sub-run's text and tool calls, labelled with the
      // tool names down to it ("research", "research \u203a search"...).
      let inner = event.event;
      while (inner.type === "nested_run_event") {
        inner = inner.event;
      }
      const key = event.path.join(" ");
      const label = event.tools.join(" \u203a ") + ":";
      if (inner.type === "raw_response_event") {
        if (inner.data.type === "response.output_text.delta") {
          let block = nestedBlocks.get(key);
          if (block === undefined || block !== output.lastChild) {
            block = add("nested", label, "");
            nestedBlocks.set(key, block);
          }
          block.appendChild(document.createTextNode(inner.data.delta));
        }
        return;
      }
      if (inner.type === "run_item_stream_event") {
        const raw = inner.item.raw_item || {};
        if (inner.name === "tool_called") {
          add("nested tool", label + " tool call:", raw.name + "(" + (raw.arguments || "") + ")");
        } else if (inner.name === "tool_output") {
          add("nested tool", label + " tool output:", show(inner.item.output));
        }
      }
    },
    run_restarted_stream_event(event) {
      // A worker restarted the run: drop what the abandoned attempt showed.
      while (runStart !== null && runStart.nextSibling !== null) {
        output.removeChild(runStart.nextSibling);
      }
      add("agent", "run restarted:", "attempt " + event.attempt + " (" + event.reason + ")");
    },
    turn_restarted(event) {
      // A durable run's model turn runs again on another worker: drop what the
      // abandoned attempt showed (every element from its first event on).
      for (const element of Array.from(output.children)) {
        if (element !== runStart && Number(element.dataset.seq) >= event.discard_from) {
          output.removeChild(element);
        }
      }
      nestedBlocks = new Map();
      add("agent", "turn restarted:", "turn " + event.turn + ", attempt " + event.attempt);
    },
    run_completed_stream_event() {
      setStatus("completed");
    },
  };

  function listen(stream) {
    for (const [type, handle] of Object.entries(handlers)) {
      stream.addEventListener(type, function (message) {
        const event = JSON.parse(message.data);
        if (event.sequence_number <= lastSeq) {
          return;
        }
        lastSeq = event.sequence_number;
        currentSeq = event.sequence_number;
        handle(event);
      });
    }
    stream.addEventListener("run_error", function (message) {
      const error = JSON.parse(message.data);
      if (error.guardrail) {
        // Stopped on purpose by a guardrail: say which, and mark the text it cut off.
        for (const block of output.querySelectorAll(".text")) {
          block.classList.add("cut");
        }
        add("error guardrail", "\u26d4 guardrail " + error.guardrail + " stopped the run:", error.message);
        guardrailTripped = error.guardrail;
        return;
      }
      add("error", error.error + ":", error.message);
    });
    stream.addEventListener("done", function (message) {
      const done = JSON.parse(message.data);
      if (done.status === "failed" && guardrailTripped !== null) {
        finish("blocked", "guardrail " + guardrailTripped);
      } else {
        finish(done.status);
      }
    });
    stream.addEventListener("error", function () {
      // A connection problem (not a run error): EventSource reconnects by itself
      // and the server resumes after the Last-Event-ID it sends.
      if (stream.readyState === EventSource.CLOSED) {
        finish("failed", "the connection to the server was lost");
      } else {
        setStatus("reconnecting");
      }
    });
  }

  async function start(text) {
    sendButton.disabled = true;
    output.textContent = "";
    runStart = add("prompt-echo", "", text);
    nestedBlocks = new Map();
    guardrailTripped = null;
    lastSeq = -1;
    setStatus("starting");
    let response;
    try {
      response = await fetch(base + "/runs", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ input: text }),
      });
    } catch (error) {
      finish("failed", "could not reach the server");
      return;
    }
    const body = await response.json().catch(function () { return {}; });
    if (!response.ok) {
      add("error", "refused:", body.message || response.statusText);
      finish("failed", "HTTP " + response.status);
      return;
    }
    runId = body.id;
    stopButton.disabled = false;
    setStatus("running");
    source = new EventSource(base + "/runs/" + encodeURIComponent(runId) + "/events");
    listen(source);
  }

  async function stop() {
    if (runId === null) {
      return;
    }
    stopButton.disabled = true;
    setStatus("stopping");
    try {
      await fetch(base + "/runs/" + encodeURIComponent(runId) + "/cancel", { method: "POST" });
    } catch (error) {
      setStatus("failed", "could not reach the server to stop the run");
    }
    // The stream then ends with done {"status": "cancelled"}.
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    const text = prompt.value.trim();
    if (text !== "" && !sendButton.disabled) {
      start(text);
    }
  });
  prompt.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  stopButton.addEventListener("click", stop);
  setStatus("idle");
})();
