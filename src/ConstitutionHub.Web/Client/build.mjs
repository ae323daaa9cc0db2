// Bundles the browser code into the web root. Run by ./hub (npm run build).
import { build } from "esbuild";
import { mkdirSync } from "node:fs";

const out = new URL("../../../wwwroot/dist/", import.meta.url).pathname;
mkdirSync(out, { recursive: true });

await build({
  entryPoints: { editor: "editor.js", "share-live": "share-live.js" },
  bundle: true,
  format: "esm",
  minify: true,
  sourcemap: true,
  target: "es2020",
  outdir: out,
  logLevel: "info",
});
