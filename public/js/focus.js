/* htmx swap removed the focused control: focus the region (in [data-keep-focus]: the same toggle). */
(() => {
  const C = '[aria-pressed]';
  let swap = null;
  document.addEventListener('htmx:beforeSwap', (e) => {
    const target = e.detail.target;
    const parent = target && target.parentElement;
    const active = document.activeElement;
    swap = parent && target.contains(active)
      ? { target, parent, index: [...parent.children].indexOf(target), control: [...target.querySelectorAll(C)].indexOf(active) }
      : null;
  });
  document.addEventListener('htmx:afterSettle', () => {
    const s = swap;
    swap = null;
    const active = document.activeElement;
    if (!s || (active && active !== document.body && active.isConnected)) return;
    const region = s.target.isConnected ? s.target : s.parent.children[s.index] || document.getElementById('main');
    if (!region) return;
    const same = s.control >= 0 && region.closest('[data-keep-focus]') ? region.querySelectorAll(C)[s.control] : null;
    if (same) return same.focus();
    if (!region.hasAttribute('tabindex')) region.setAttribute('tabindex', '-1');
    region.focus();
  });
})();
