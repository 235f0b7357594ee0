/**
 * The user store: user records in memory, passwords kept only as scrypt hashes, emails unique
 * without regard to case, look-ups by email in constant time (a Map).
 */
import { randomBytes, scryptSync, timingSafeEqual } from "node:crypto";

/** scrypt's parameters (decision STORE-Q1): N=16384, r=8, p=1, a 16-byte salt. */
const N = 16384;
const R = 8;
const P = 1;
const KEY_LENGTH = 64;
const SALT_BYTES = 16;

/**
 * A user as the store keeps it: never the password itself.
 * @typedef {{ email: string, passwordHash: string }} User
 */

/**
 * A user store.
 * @typedef {object} UserStore
 * @property {(email: string, password: string) => User} add Adds a user; throws if the email is taken, in any case.
 * @property {(email: string) => User | undefined} find The user with this email, in any case.
 * @property {(email: string, password: string) => User | undefined} verify The user, if the password is theirs.
 */

/**
 * Hashes a password with scrypt: `scrypt$N$r$p$salt$hash`, salt and hash in hex.
 * @param {string} password
 * @param {Buffer} [salt]
 * @returns {string}
 */
export function hashPassword(password, salt = randomBytes(SALT_BYTES)) {
  const hash = scryptSync(password, salt, KEY_LENGTH, { N, r: R, p: P });
  return ["scrypt", N, R, P, salt.toString("hex"), hash.toString("hex")].join("$");
}

/**
 * Whether `password` hashes to `stored`, compared in constant time.
 * @param {string} password
 * @param {string} stored
 * @returns {boolean}
 */
export function passwordMatches(password, stored) {
  const [kind, n, r, p, salt, hash] = stored.split("$");
  if (kind !== "scrypt" || !salt || !hash) return false;
  const expected = Buffer.from(hash, "hex");
  const actual = scryptSync(password, Buffer.from(salt, "hex"), expected.length, { N: Number(n), r: Number(r), p: Number(p) });
  return timingSafeEqual(actual, expected);
}

/** A hash of nothing anyone knows: unknown emails take as long to check as known ones. */
const NOBODY = hashPassword(randomBytes(32).toString("hex"));

/**
 * A new, empty user store.
 * @returns {UserStore}
 */
export function createUserStore() {
  /** @type {Map<string, User>} */
  const users = new Map();
  const key = (/** @type {string} */ email) => email.trim().toLowerCase();
  return {
    add(email, password) {
      if (users.has(key(email))) throw new Error(`the email ${email} is taken`);
      const user = { email: email.trim(), passwordHash: hashPassword(password) };
      users.set(key(email), user);
      return user;
    },
    find(email) {
      return users.get(key(email));
    },
    verify(email, password) {
      const user = users.get(key(email));
      const matches = passwordMatches(password, user ? user.passwordHash : NOBODY);
      return user && matches ? user : undefined;
    },
  };
}
