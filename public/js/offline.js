// "Save this chapter for offline use" (views/learn/_offline.eta): states the size first, then has
// the service worker (/sw.js, registered only now) save it, and shows what it reports.
(() => {
  const box = document.getElementById('offline');
  const sw = navigator.serviceWorker;
  if (!box || !sw || !window.caches) return;
  const token = document.querySelector('meta[name="csrf-token"]')?.content;
  const { manifest: url, cache: name, user } = box.dataset;
  const status = box.querySelector('[role=status]');
  const buttons = {};
  for (const b of box.querySelectorAll('button')) buttons[b.dataset.do] = b;
  box.querySelector('.offline-fallback').hidden = true;
  const say = (text) => (status.textContent = text);
  // As the server writes sizes (lib/bytes.ts): 1 MB = 1,000,000 bytes.
  const mb = (bytes) => ((n) => (n >= 100 ? Math.round(n) : n.toFixed(1)))(bytes / 1e6) + ' MB';
  const show = (...keep) => Object.entries(buttons).forEach(([k, b]) => (b.hidden = !keep.includes(k)));
  const post = (message) => sw.ready.then((reg) => reg.active.postMessage({ ...message, token, user }));
  const json = (u) => fetch(u).then((r) => (r.ok ? r.json() : Promise.reject()));
  const start = (u) => {
    show();
    say('Saving…');
    navigator.storage?.persist?.();
    sw.register('/sw.js').then(() => post({ type: 'save', url: u, cache: name }));
  };

  buttons.ask.onclick = () =>
    Promise.all([json(url), json(url + '?kind=audio'), navigator.storage?.estimate?.() ?? {}]).then(
      ([video, audio, { quota, usage }]) => {
        const free = quota ? quota - usage : Infinity;
        buttons.save.textContent = `Save (${mb(video.totalBytes)})`;
        buttons.audio.textContent = `Save with audio only (${mb(audio.totalBytes)})`;
        say(`Saving this chapter takes about ${mb(video.totalBytes)} on this device.` + (video.totalBytes > free ? ` Only ${mb(free)} is free here: not enough.` : ''));
        show(video.totalBytes <= free && 'save', audio.totalBytes < video.totalBytes && audio.totalBytes <= free && 'audio');
      },
      () => say('Could not reach Edupeak. Try again when you are online.'),
    );
  buttons.save.onclick = () => start(url);
  buttons.audio.onclick = () => start(url + '?kind=audio');
  buttons.remove.onclick = () => post({ type: 'remove', cache: name });

  sw.onmessage = ({ data: d }) => {
    if (d.type === 'outbox') {
      if (d.pending) say(`${d.pending} completion(s) saved on this device: ` + (d.signIn ? 'sign in again to send them.' : 'sent when you are back online.'));
      else if (d.sent) say('Your completions made offline were sent.');
    } else if (d.cache === name) {
      say(
        d.type === 'progress'
          ? `Saved ${d.done} of ${d.total} lessons…`
          : d.type === 'saved'
            ? `Saved on this device (${mb(d.bytes)}): these lessons open without a connection.`
            : d.type === 'removed'
              ? `Offline copy removed: ${mb(d.bytes)} freed.`
              : `Could not save this chapter: ${d.message}`,
      );
      show(d.type === 'saved' ? 'remove' : d.type !== 'progress' && 'ask');
    }
  };

  caches.has(name).then((saved) => {
    show(saved ? 'remove' : 'ask');
    if (saved) say('Saved on this device: these lessons open without a connection.');
  });
  // Already registered: give it this page's token, send what waits, check the saved chapters.
  const hello = () => sw.getRegistration().then((reg) => reg && post({ type: 'hello' }));
  hello();
  addEventListener('online', hello);
})();
