/**
 * The launcher process: runs the programs phoenix asks it to (runHere) and sends
 * back each result. Started by launcher.ts with an IPC channel; when that channel closes (phoenix
 * exited, or was killed), it kills every program still running, and their process groups, and exits.
 */
import { runHere } from "./here.js";
import type { LauncherMessage, LauncherReply } from "./launcher.js";

const running = new Map<number, AbortController>();

process.on("message", (message: LauncherMessage) => {
  if (message.type === "cancel") {
    running.get(message.id)?.abort();
    return;
  }
  const controller = new AbortController();
  running.set(message.id, controller);
  void runHere({ ...message.request, signal: controller.signal })
    .then((result): LauncherReply => ({ id: message.id, result }), (error: unknown): LauncherReply => ({ id: message.id, error: String((error as Error)?.stack ?? error) }))
    .then((reply) => {
      running.delete(message.id);
      process.send?.(reply);
    });
});

function stopAll(): never {
  for (const controller of running.values()) controller.abort();
  // the aborts kill the groups synchronously; nothing is left to wait for
  process.exit(0);
}

process.on("disconnect", stopAll);
process.on("SIGTERM", stopAll);
process.on("SIGHUP", stopAll);
// Ctrl-C reaches the terminal's whole process group, the launcher too: phoenix decides what a
// first Ctrl-C cancels (and a second exits phoenix, which closes the channel)
process.on("SIGINT", () => undefined);
