/**
 * The CSRF token on a page: the layout's meta tag, or a form's hidden field. (A signed-in agent:
 * `signedInAs` in users.ts; signing in through the form: `signIn` in forms.ts.)
 */
export function csrfTokenOf(html: string): string {
  const token = /name="csrf-token" content="([^"]+)"/.exec(html)?.[1] ?? /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
  if (!token) throw new Error('no CSRF token on the page');
  return token;
}
