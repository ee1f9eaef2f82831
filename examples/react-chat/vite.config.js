// `npm run dev` serves the page and sends /api/* to `rxagents serve` on port 8000.
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

export default defineConfig({
  plugins: [react()],
  base: "./",
  server: { proxy: { "/api": "http://127.0.0.1:8000" } },
});
