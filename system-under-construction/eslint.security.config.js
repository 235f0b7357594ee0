// The static security scan: eslint-plugin-security's rules only, offline.
import security from "eslint-plugin-security";
import globals from "globals";

export default [
  security.configs.recommended,
  { languageOptions: { ecmaVersion: 2022, sourceType: "module", globals: { ...globals.node } } },
];
