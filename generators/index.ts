/** What the rest of phoenix uses from generators/. */
export { containerHash } from "./container.js";
export { extractionCount, interfaceHash, normaliseText, INTERFACE_CACHE_FILE, type InterfaceHashOptions } from "./interface.js";
export { PROMPT_VERSION } from "./prompts.js";
