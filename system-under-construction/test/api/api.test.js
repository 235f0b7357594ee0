// Human-written tests of the HTTP API (protected: no agent may change them).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer } from "node:http";
import { createApi } from "../../src/api/index.js";
import { createSessions } from "../../src/sessions/index.js";
import { createUserStore } from "../../src/store/index.js";

let base = "";
const server = createServer();

beforeAll(async () => {
  const store = createUserStore();
  store.add("ada@example.com", "lovelace-1815");
  server.on("request", createApi({ store, sessions: createSessions(), page: () => "<h1>Sign in</h1>" }));
  await new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(undefined)));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
});
afterAll(() => new Promise((resolve) => server.close(() => resolve(undefined))));

const signIn = (email, password) => fetch(`${base}/signin`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email, password }) });

describe("the API", () => {
  it("API-1: POST /signin answers 200 with a token for a right password, 401 otherwise", async () => {
    const right = await signIn("ada@example.com", "lovelace-1815");
    expect(right.status).toBe(200);
    expect((await right.json()).token).toMatch(/^[0-9a-f]{64}$/);
    expect((await signIn("ada@example.com", "wrong")).status).toBe(401);
  });

  it("API-1: takes the form as the page posts it, too", async () => {
    const response = await fetch(`${base}/signin`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "email=ada%40example.com&password=lovelace-1815" });
    expect(response.status).toBe(200);
  });

  it("API-2: GET /me answers 200 with the user's email for a valid token, 401 otherwise", async () => {
    const { token } = await (await signIn("ada@example.com", "lovelace-1815")).json();
    const me = await fetch(`${base}/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(me.status).toBe(200);
    expect(await me.json()).toEqual({ email: "ada@example.com" });
    expect((await fetch(`${base}/me`, { headers: { authorization: "Bearer nope" } })).status).toBe(401);
    expect((await fetch(`${base}/me`)).status).toBe(401);
  });

  it("API-3: responses do not reveal whether an email is registered", async () => {
    const unknown = await signIn("nobody@example.com", "whatever");
    const wrong = await signIn("ada@example.com", "whatever");
    expect(unknown.status).toBe(wrong.status);
    expect(await unknown.text()).toBe(await wrong.text());
  });

  it("API-5: a request body over 16 KB is refused with 400", async () => {
    const response = await fetch(`${base}/signin`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email: "ada@example.com", password: "x".repeat(20_000) }) });
    expect(response.status).toBe(400);
  });

  it("API-4: GET /health answers 200", async () => {
    expect((await fetch(`${base}/health`)).status).toBe(200);
  });

  it("serves the sign-in page at /", async () => {
    const page = await fetch(`${base}/`);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(await page.text()).toContain("Sign in");
  });
});
