/**
 * The sign-in page: an email field, a password field and a sign-in button. Plain HTML and a few
 * lines of script, no framework: it must load fast on slow phones.
 */

/**
 * The sign-in button's colour (WEB-2).
 * @type {string}
 */
export const BUTTON_COLOUR = "#1d4ed8";

/**
 * The page, as HTML. The form posts to /signin; the script shows the answer without leaving the page.
 * @returns {string}
 */
export function signInPage() {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 22rem; margin: 3rem auto; padding: 0 1rem; }
  label, input, button { display: block; width: 100%; margin-top: 0.5rem; }
  input { padding: 0.5rem; }
  button { padding: 0.6rem; border: 0; border-radius: 0.3rem; color: white; background: ${BUTTON_COLOUR}; }
</style>
</head>
<body>
<h1>Sign in</h1>
<form id="signin" method="post" action="/signin">
  <label for="email">Email</label>
  <input id="email" name="email" type="email" autocomplete="username" required>
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required>
  <button type="submit">Sign in</button>
</form>
<p id="result" role="status"></p>
<script>
  document.getElementById("signin").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    const response = await fetch("/signin", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(Object.fromEntries(form)) });
    document.getElementById("result").textContent = response.ok ? "Signed in." : "Wrong email or password.";
  });
</script>
</body>
</html>
`;
}
