// `npx vite build` in this directory writes the widget to dist/. esbuild compiles the JSX (React's
// automatic runtime), so no React plugin is needed for a production build.
import { defineConfig } from "vite";

export default defineConfig({
  base: "./",
  esbuild: { jsx: "automatic" },
  build: { target: "es2022", outDir: "dist", emptyOutDir: true },
});
