/**
 * The running system: the API on PORT (default 3000) at HOST (default 127.0.0.1), with one demo
 * user, demo@example.com, whose password is "correct horse battery staple".
 */
import { createServer } from "node:http";
import { createApi } from "./api/index.js";
import { createSessions } from "./sessions/index.js";
import { createUserStore } from "./store/index.js";
import { signInPage } from "./web/index.js";

const store = createUserStore();
store.add("demo@example.com", "correct horse battery staple");
const server = createServer(createApi({ store, sessions: createSessions(), page: signInPage }));
const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? "127.0.0.1";
server.listen(port, host, () => console.log(`signin listening on http://${host}:${port}`));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
