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
  // The page's words, in its language (data-say, rendered by the server): each {name} filled in here.
  const words = JSON.parse(box.dataset.say || '{}');
  const text = (key, values = {}) => (words[key] || key).replace(/\{(\w+)\}/g, (m, k) => (k in values ? values[k] : m));
  const say = (key, values) => (status.textContent = text(key, values));
  // As the server writes sizes (lib/bytes.ts): 1 MB = 1,000,000 bytes; digits as the page's language writes them.
  const lang = document.documentElement.lang || 'en';
  const number = (n, digits) => new Intl.NumberFormat(lang, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(n);
  const mb = (bytes) => ((n) => (n >= 100 ? number(n, 0) : number(n, 1)))(bytes / 1e6) + ' MB';
  const show = (...keep) => Object.entries(buttons).forEach(([k, b]) => (b.hidden = !keep.includes(k)));
  // The service worker answers a completion made offline itself: it keeps these words for it.
  const swWords = { queued: words.queued, title: words.queuedTitle, back: words.back, lang, dir: document.documentElement.dir || 'ltr' };
  const post = (message) => sw.ready.then((reg) => reg.active.postMessage({ ...message, token, user, words: swWords }));
  const json = (u) => fetch(u).then((r) => (r.ok ? r.json() : Promise.reject()));
  const start = (u) => {
    show();
    say('saving');
    navigator.storage?.persist?.();
    sw.register('/sw.js').then(() => post({ type: 'save', url: u, cache: name }));
  };

  buttons.ask.onclick = () =>
    Promise.all([json(url), json(url + '?kind=audio'), navigator.storage?.estimate?.() ?? {}]).then(
      ([video, audio, { quota, usage }]) => {
        const free = quota ? quota - usage : Infinity;
        buttons.save.textContent = text('save', { size: mb(video.totalBytes) });
        buttons.audio.textContent = text('audio', { size: mb(audio.totalBytes) });
        say(video.totalBytes > free ? 'tooBig' : 'size', { size: mb(video.totalBytes), free: mb(free) });
        show(video.totalBytes <= free && 'save', audio.totalBytes < video.totalBytes && audio.totalBytes <= free && 'audio');
      },
      () => say('offline'),
    );
  buttons.save.onclick = () => start(url);
  buttons.audio.onclick = () => start(url + '?kind=audio');
  buttons.remove.onclick = () => post({ type: 'remove', cache: name });

  sw.onmessage = ({ data: d }) => {
    if (d.type === 'outbox') {
      if (d.pending) say(d.signIn ? 'pendingSignIn' : 'pendingOnline', { count: number(d.pending, 0) });
      else if (d.sent) say('sent');
    } else if (d.cache === name) {
      if (d.type === 'progress') say('progress', { done: number(d.done, 0), total: number(d.total, 0) });
      else if (d.type === 'saved') say('saved', { size: mb(d.bytes) });
      else if (d.type === 'removed') say('removed', { size: mb(d.bytes) });
      else say('failed', { message: d.message });
      show(d.type === 'saved' ? 'remove' : d.type !== 'progress' && 'ask');
    }
  };

  caches.has(name).then((saved) => {
    show(saved ? 'remove' : 'ask');
    if (saved) say('savedBefore');
  });
  // Already registered: give it this page's token, send what waits, check the saved chapters.
  const hello = () => sw.getRegistration().then((reg) => reg && post({ type: 'hello' }));
  hello();
  addEventListener('online', hello);
})();
