const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The sign-in form of one login in progress: no script, posts back to the identity service. */
export function loginPage(uid: string, clientName: string, problem?: string, user = ''): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Sign in</title>
<style>body{font-family:system-ui,sans-serif;max-width:22rem;margin:4rem auto;padding:0 1rem}label,input,button{display:block;width:100%;margin:.3rem 0}input,button{padding:.5rem;font-size:1rem}.problem{color:#b00020}</style>
</head>
<body>
<main>
<h1>Sign in</h1>
<p>to ${escapeHtml(clientName)}</p>
${problem ? `<p class="problem" role="alert">${escapeHtml(problem)}</p>` : ''}
<form method="post" action="/interaction/${encodeURIComponent(uid)}/login" autocomplete="on">
<label for="user">User</label><input id="user" name="user" required autofocus value="${escapeHtml(user)}" autocomplete="username">
<label for="password">Password</label><input id="password" name="password" type="password" required autocomplete="current-password">
<button type="submit">Sign in</button>
</form>
</main>
</body>
</html>`;
}
