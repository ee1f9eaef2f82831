// A chat on React's useChat, talking to `rxagents serve` (POST /api/chat): streamed text,
// tool calls with their input and output states, handoffs and agent changes from the
// data parts rxagents sends, agents used as tools, and a Stop button.
import { useState } from "react";
import { useChat } from "@ai-sdk/react";
import { DefaultChatTransport } from "ai";

const transport = new DefaultChatTransport({ api: "api/chat" });

function ToolCard({ part }) {
  const name = part.type === "dynamic-tool" ? part.toolName : part.type.slice("tool-".length);
  return (
    <div className="tool" data-tool={name} data-state={part.state}>
      <div className="tool-head">
        <span className="tool-name">{name}</span> <span className="tool-state">{part.state}</span>
      </div>
      {part.input !== undefined && <pre className="tool-input">{JSON.stringify(part.input)}</pre>}
      {part.state === "output-available" && (
        <pre className="tool-output">{JSON.stringify(part.output)}</pre>
      )}
      {part.state === "output-error" && <pre className="tool-error">{part.errorText}</pre>}
    </div>
  );
}

function Part({ part }) {
  if (part.type === "text") return <p className="text">{part.text}</p>;
  if (part.type === "reasoning") return <p className="reasoning">{part.text}</p>;
  if (part.type.startsWith("tool-") || part.type === "dynamic-tool") return <ToolCard part={part} />;
  if (part.type === "data-handoff")
    return <div className="handoff">handoff: {part.data.from} → {part.data.to}</div>;
  if (part.type === "data-agent") return <div className="agent">agent: {part.data.name}</div>;
  if (part.type === "data-subrun")
    return (
      <div className="subrun" data-status={part.data.status}>
        {part.data.agent} (as tool {part.data.toolName}): {part.data.text || "…"} [{part.data.status}]
      </div>
    );
  return null;
}

export function App() {
  const { messages, sendMessage, status, stop, error } = useChat({ transport });
  const [input, setInput] = useState("");
  const busy = status === "submitted" || status === "streaming";

  function submit(event) {
    event.preventDefault();
    if (!input.trim() || busy) return;
    sendMessage({ text: input });
    setInput("");
  }

  return (
    <main>
      <h1>rxagents + useChat</h1>
      <div id="messages">
        {messages.map((message) => (
          <div key={message.id} className={`message ${message.role}`} data-role={message.role}
            data-run-id={message.metadata?.runId}>
            {message.parts.map((part, i) => <Part key={i} part={part} />)}
          </div>
        ))}
      </div>
      {error && <div id="error">{error.message}</div>}
      <form onSubmit={submit}>
        <input id="prompt" value={input} onChange={(e) => setInput(e.target.value)}
          placeholder="Ask the agent…" autoFocus />
        <button id="send" type="submit" disabled={busy}>Send</button>
        <button id="stop" type="button" onClick={() => stop()} disabled={!busy}>Stop</button>
        <span id="status" data-status={status}>{status}</span>
      </form>
    </main>
  );
}
