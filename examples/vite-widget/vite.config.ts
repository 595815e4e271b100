// `npx vite build` in this directory writes the widget to dist/. Nothing here is specific to
// matrix-widget-kit: the package resolves through node_modules like any other dependency.
import { defineConfig } from "vite";

export default defineConfig({
  // Relative asset URLs, so dist/ works from any path the widget is served at.
  base: "./",
  build: { target: "es2022", outDir: "dist", emptyOutDir: true },
});
