/**
 * Sessions: a signed-in user gets a token (32 random bytes from node:crypto, hex) that is good
 * for 12 hours. A user may hold several sessions at once (a phone and a laptop).
 */
import { randomBytes } from "node:crypto";

/** How long a token is good for. */
export const SESSION_LIFETIME_MS = 12 * 60 * 60 * 1000;

/**
 * A signed-in user's session.
 * @typedef {{ token: string, email: string, expiresAt: Date }} Session
 */

/**
 * @typedef {object} Sessions
 * @property {(user: import("../store/index.js").User) => Session} issue A new session for the user.
 * @property {(token: string) => Session | undefined} check The session a token belongs to, while it has not expired.
 */

/**
 * A new set of sessions; `now` tells the time (tests pass their own clock).
 * @param {() => number} [now]
 * @returns {Sessions}
 */
export function createSessions(now = Date.now) {
  /** @type {Map<string, Session>} */
  const sessions = new Map();
  return {
    issue(user) {
      const session = { token: randomBytes(32).toString("hex"), email: user.email, expiresAt: new Date(now() + SESSION_LIFETIME_MS) };
      sessions.set(session.token, session);
      return session;
    },
    check(token) {
      const session = sessions.get(token);
      if (!session) return undefined;
      if (session.expiresAt.getTime() <= now()) {
        sessions.delete(token);
        return undefined;
      }
      return session;
    },
  };
}
