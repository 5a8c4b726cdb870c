/* Issue 21: when an htmx swap removes the focused control (no [autofocus] or same id in the new
   content), focus the swapped-in region instead of losing it to the top of the page. */
(() => {
  let swap = null;
  document.addEventListener('htmx:beforeSwap', (e) => {
    const target = e.detail.target;
    const parent = target && target.parentElement;
    swap = parent && target.contains(document.activeElement) ? { target, parent, index: [...parent.children].indexOf(target) } : null;
  });
  document.addEventListener('htmx:afterSettle', () => {
    const s = swap;
    swap = null;
    const active = document.activeElement;
    if (!s || (active && active !== document.body && active.isConnected)) return;
    const region = s.target.isConnected ? s.target : s.parent.children[s.index] || document.getElementById('main');
    if (!region) return;
    if (!region.hasAttribute('tabindex')) region.setAttribute('tabindex', '-1');
    region.focus();
  });
})();
