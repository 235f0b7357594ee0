// The example's own test configuration (without it, vitest would use the one of the project around it).
// Checks load it with `--configLoader native`: bundling it would write into a node_modules that is read-only in the sandbox.
import { defineConfig } from "vitest/config";

// vite's cache lives in the system's temporary folder, not in the tree phoenix watches
export default defineConfig({ cacheDir: `${process.env.TMPDIR ?? "/tmp"}/signin-vitest-cache`, test: { include: ["test/**/*.test.js"] } });
