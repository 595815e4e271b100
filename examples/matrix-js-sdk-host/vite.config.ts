// `npx vite build` in this directory writes the host page to dist/; `npx vite` serves it.
import { defineConfig } from "vite";

export default defineConfig({
  base: "./",
  build: {
    target: "es2022",
    outDir: "dist",
    emptyOutDir: true,
    // matrix-js-sdk alone is about 900 KB minified; the widget kit adds little to it.
    chunkSizeWarningLimit: 1200,
  },
});
