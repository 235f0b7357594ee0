// Lint: eslint's recommended rules, offline.
import js from "@eslint/js";
import globals from "globals";

export default [
  js.configs.recommended,
  { languageOptions: { ecmaVersion: 2022, sourceType: "module", globals: { ...globals.node } } },
  { files: ["src/web/**"], languageOptions: { globals: { ...globals.browser, ...globals.node } } },
];
