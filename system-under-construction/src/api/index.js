/**
 * The HTTP API: POST /signin, GET /me and GET /health, and the sign-in page at GET /. Answers
 * never tell whether an email is registered: a wrong password and an unknown email look the same.
 */

/** @typedef {import("node:http").IncomingMessage} Request */
/** @typedef {import("node:http").ServerResponse} Response */

/**
 * What the API needs.
 * @typedef {object} ApiParts
 * @property {import("../store/index.js").UserStore} store
 * @property {import("../sessions/index.js").Sessions} sessions
 * @property {() => string} page The sign-in page's HTML.
 */

/** The most a request body may hold: sign-in forms are small. */
const MAX_BODY_BYTES = 16 * 1024;
const WRONG = { error: "wrong email or password" };

/**
 * A request handler for node:http.
 * @param {ApiParts} parts
 * @returns {(request: Request, response: Response) => Promise<void>}
 */
export function createApi(parts) {
  return async (request, response) => {
    try {
      await route(parts, request, response);
    } catch {
      send(response, 400, { error: "bad request" });
    }
  };
}

/**
 * @param {ApiParts} parts
 * @param {Request} request
 * @param {Response} response
 */
async function route(parts, request, response) {
  const path = new URL(request.url ?? "/", "http://localhost").pathname;
  if (request.method === "GET" && path === "/health") return send(response, 200, { ok: true });
  if (request.method === "GET" && path === "/") return sendHtml(response, parts.page());
  if (request.method === "POST" && path === "/signin") return signIn(parts, request, response);
  if (request.method === "GET" && path === "/me") return me(parts, request, response);
  send(response, 404, { error: "not found" });
}

/**
 * @param {ApiParts} parts
 * @param {Request} request
 * @param {Response} response
 */
async function signIn(parts, request, response) {
  const body = await readBody(request);
  const fields = request.headers["content-type"]?.includes("application/json") ? JSON.parse(body) : Object.fromEntries(new URLSearchParams(body));
  const email = typeof fields.email === "string" ? fields.email : "";
  const password = typeof fields.password === "string" ? fields.password : "";
  const user = parts.store.verify(email, password);
  if (!user) return send(response, 401, WRONG);
  send(response, 200, { token: parts.sessions.issue(user).token });
}

/**
 * @param {ApiParts} parts
 * @param {Request} request
 * @param {Response} response
 */
function me(parts, request, response) {
  const token = /^Bearer (\S+)$/.exec(request.headers.authorization ?? "")?.[1];
  const session = token ? parts.sessions.check(token) : undefined;
  if (!session) return send(response, 401, { error: "not signed in" });
  send(response, 200, { email: session.email });
}

/**
 * @param {Request} request
 * @returns {Promise<string>}
 */
function readBody(request) {
  return new Promise((resolve, reject) => {
    /** @type {Buffer[]} */
    const chunks = [];
    let size = 0;
    request.on("data", (/** @type {Buffer} */ chunk) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) reject(new Error("body too large"));
      else chunks.push(chunk);
    });
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

/**
 * @param {Response} response
 * @param {number} status
 * @param {unknown} body
 */
function send(response, status, body) {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(JSON.stringify(body));
}

/**
 * @param {Response} response
 * @param {string} html
 */
function sendHtml(response, html) {
  response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
  response.end(html);
}
