import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// Production build only (`npm run build` → dist/), served by the demo server at /react/.
// The tokenfetch package needs no plugin: its WebAssembly module is inside its JS.
export default defineConfig({
  base: "/react/",
  plugins: [react()],
  // tokenfetch is a link to ../../pkg (a `file:` dependency), where no react is installed:
  // tokenfetch/react must get this app's React, as it would from an npm install.
  resolve: { dedupe: ["react", "react-dom"] },
  build: {
    outDir: "dist",
    emptyOutDir: true,
  },
});
