// Edupeak's service worker: offline lessons (issue 20). Served at /sw.js (offline-routes.ts) and
// registered only when a student presses "Save this chapter for offline use" (public/js/offline.js).
// Plain ES2020, no build step; it runs in Chromium and Firefox.
//
// - Saving: one Cache API cache per chapter ("offline-<course slug>-<chapter id>") with what the
//   chapter's manifest (GET /learn/<slug>/chapters/<id>/offline.json) lists: each lesson page, its
//   video copy (or audio), poster, captions and images, and the scripts and styles.
// - Serving: pages network first (a fresh page online, the saved one when the network fails); media,
//   captions and fingerprinted assets cache first, Range requests answered from the saved body.
// - Access: a saved lesson answered 404/403 online drops its chapter; at activation and on every
//   online page load the saved chapters are checked (POST /learn/offline/check) and those the
//   student may no longer open are deleted.
// - Completion offline: the "Mark as completed" form is kept in IndexedDB and sent when the
//   connection returns (the form says which state it wants, so sending twice changes nothing).
'use strict';

const PREFIX = 'offline-';
// Where each chapter's cache keeps its own manifest (never requested by a page).
const MANIFEST_KEY = '/__offline__/manifest.json';
const LESSON = /^\/learn\/[^/]+\/lessons\/[0-9a-f-]{36}$/;
const COMPLETE = /^\/learn\/[^/]+\/lessons\/[0-9a-f-]{36}\/complete$/;
const CACHE_FIRST = /^\/(media|static)\/|^\/learn\/[^/]+\/lessons\/[0-9a-f-]{36}\/captions\//;
// A video's copies share its name: videos/…/<uuid>.mp4, <uuid>-360p.mp4, -720p.mp4, -audio.m4a.
const VIDEO_COPY = /(-360p\.mp4|-720p\.mp4|-audio\.m4a|\.mp4|\.webm)$/;
// What the answer to a completion made offline says: the page's words in its language (offline.js
// sends them with each message; kept in IndexedDB), English until a page has.
const ENGLISH = { queued: 'Saved on this device; it will be sent when you are back online.', title: 'Saved on this device', back: 'Back to the lesson', lang: 'en', dir: 'ltr' };
const escapeHtml = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim().then(checkSaved)));

// ---------------------------------------------------------------------------------------------
// IndexedDB: the outbox of completions made offline, and the latest CSRF token a page gave us.

function openDb() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open('edupeak-offline', 1);
    request.onupgradeneeded = () => {
      request.result.createObjectStore('outbox', { autoIncrement: true });
      request.result.createObjectStore('meta');
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/** Runs `work(store)` in one transaction; resolves with the last request's result when it commits. */
async function inStore(name, mode, work) {
  const db = await openDb();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(name, mode);
    const request = work(tx.objectStore(name));
    tx.oncomplete = () => resolve(request && request.result);
    tx.onerror = () => reject(tx.error);
  });
}

async function outbox() {
  const [keys, values] = await Promise.all([inStore('outbox', 'readonly', (s) => s.getAllKeys()), inStore('outbox', 'readonly', (s) => s.getAll())]);
  return keys.map((key, i) => ({ key, value: values[i] }));
}

const token = () => inStore('meta', 'readonly', (s) => s.get('token'));
// Whose token it is: a completion is sent only with its own student's session (a shared device).
const currentUser = () => inStore('meta', 'readonly', (s) => s.get('user'));

// ---------------------------------------------------------------------------------------------
// Talking to the pages: progress, saved, removed, errors and the outbox, to every window.

async function tell(message) {
  for (const client of await self.clients.matchAll({ type: 'window', includeUncontrolled: true })) client.postMessage(message);
}

self.addEventListener('message', (event) => {
  const data = event.data || {};
  const work = async () => {
    if (data.words && typeof data.words === 'object') await inStore('meta', 'readwrite', (s) => s.put(JSON.stringify(data.words), 'words'));
    if (data.token && data.user) {
      await inStore('meta', 'readwrite', (s) => s.put(String(data.token), 'token'));
      await inStore('meta', 'readwrite', (s) => s.put(String(data.user), 'user'));
    }
    if (data.type === 'save') await save(String(data.url));
    if (data.type === 'remove') await remove(String(data.cache));
    if (data.type === 'hello') await Promise.all([flush(), checkSaved()]);
  };
  event.waitUntil(work().catch((error) => tell({ type: 'error', cache: data.cache, message: String(error.message || error) })));
});

// ---------------------------------------------------------------------------------------------
// Saving and removing a chapter.

/**
 * A response as the cache keeps it: status 200, its type and length, nothing else (no Vary, no
 * redirect flag: a redirected response cannot answer a navigation, and on S3 /media redirects to a
 * presigned URL of the bucket, which needs CORS for our origin to be read at all).
 */
const kept = (body, response) =>
  new Response(body, { status: 200, headers: { 'Content-Type': response.headers.get('Content-Type') || 'application/octet-stream' } });

async function fetchOk(url, headers = {}) {
  const response = await fetch(url, { credentials: 'same-origin', headers });
  if (response.status !== 200 || response.type === 'opaque') throw new Error(`Could not save ${url} (${response.status || 'blocked'}).`);
  return response;
}

async function keep(cache, url) {
  const response = await fetchOk(url);
  await cache.put(url, kept(response.body, response));
}

async function save(manifestUrl) {
  const manifest = await (await fetchOk(manifestUrl)).json();
  const name = manifest.cache;
  const cache = await caches.open(name);
  try {
    await Promise.all(manifest.assets.map((url) => keep(cache, url)));
    let done = 0;
    for (const lesson of manifest.lessons) {
      // Saved is not seen: the server records no lesson view for a page fetched ahead.
      const page = await fetchOk(lesson.url, { Purpose: 'prefetch' });
      const html = await page.text();
      await cache.put(lesson.url, kept(html, page));
      // Pictures in the lesson's text are /media files too.
      const images = [...html.matchAll(/<img[^>]+src="(\/media\/[^"]+)"/g)].map((m) => m[1]);
      const files = [lesson.media && lesson.media.url, lesson.poster, ...lesson.captions, ...images].filter(Boolean);
      for (const url of new Set(files)) await keep(cache, url);
      done++;
      await tell({ type: 'progress', cache: name, done, total: manifest.lessons.length });
    }
    await cache.put(MANIFEST_KEY, new Response(JSON.stringify(manifest), { headers: { 'Content-Type': 'application/json' } }));
    await tell({ type: 'saved', cache: name, bytes: manifest.totalBytes });
  } catch (error) {
    // Half a chapter is no use offline and takes space: all or nothing.
    await caches.delete(name);
    throw error;
  }
}

async function remove(name) {
  if (!name.startsWith(PREFIX)) return;
  const cache = await caches.open(name);
  const stored = await cache.match(MANIFEST_KEY);
  const bytes = stored ? (await stored.json()).totalBytes : 0;
  await caches.delete(name);
  await tell({ type: 'removed', cache: name, bytes });
}

/** The offline caches' names with what they stand for, "<course slug>/<chapter id>". */
async function savedChapters() {
  const names = (await caches.keys()).filter((n) => n.startsWith(PREFIX));
  return names.map((name) => ({ name, chapter: `${name.slice(PREFIX.length, -37)}/${name.slice(-36)}` }));
}

/** Deletes the chapters the student may no longer open (an enrollment cancelled, a ban). */
async function checkSaved() {
  const saved = await savedChapters();
  const csrf = await token();
  if (saved.length === 0 || !csrf) return;
  let response;
  try {
    response = await fetch('/learn/offline/check', {
      method: 'POST',
      credentials: 'same-origin',
      redirect: 'manual',
      headers: { 'Content-Type': 'application/json', 'x-csrf-token': csrf },
      body: JSON.stringify({ chapters: saved.map((s) => s.chapter) }),
    });
  } catch {
    return; // offline: nothing can be decided
  }
  // Signed out, or an old token: decide nothing (the copies stay until a signed-in check).
  if (!response.ok) return;
  const { allowed } = await response.json();
  for (const s of saved) if (!allowed.includes(s.chapter)) await caches.delete(s.name);
}

// ---------------------------------------------------------------------------------------------
// Serving.

/** The saved response for a path, and the cache that holds it. */
async function lookup(path) {
  for (const { name } of await savedChapters()) {
    const response = await (await caches.open(name)).match(path);
    if (response) return { name, response };
  }
  return undefined;
}

/** Another saved copy of the same video (the page asks for HD, the student saved the small one or audio). */
async function sibling(path) {
  const base = path.replace(VIDEO_COPY, '');
  if (base === path) return undefined;
  for (const { name } of await savedChapters()) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) {
      const other = new URL(request.url).pathname;
      if (other.startsWith(base) && VIDEO_COPY.test(other) && other.slice(base.length).replace(VIDEO_COPY, '') === '') return cache.match(request);
    }
  }
  return undefined;
}

/** A 206 from the saved body: <video> asks for ranges, and the cache holds the whole file. */
async function ranged(response, header) {
  const blob = await response.blob();
  const size = blob.size;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  let start = match && match[1] !== '' ? Number(match[1]) : NaN;
  let end = match && match[2] !== '' ? Number(match[2]) : size - 1;
  if (match && match[1] === '' && match[2] !== '') [start, end] = [Math.max(0, size - Number(match[2])), size - 1];
  end = Math.min(end, size - 1);
  if (!(start >= 0) || start >= size || end < start) return new Response(null, { status: 416, headers: { 'Content-Range': `bytes */${size}` } });
  return new Response(blob.slice(start, end + 1), {
    status: 206,
    headers: {
      'Content-Type': response.headers.get('Content-Type') || 'application/octet-stream',
      'Content-Range': `bytes ${start}-${end}/${size}`,
      'Content-Length': String(end - start + 1),
      'Accept-Ranges': 'bytes',
    },
  });
}

async function cacheFirst(request) {
  const path = new URL(request.url).pathname;
  const range = request.headers.get('Range');
  const answer = (response) => (range ? ranged(response, range) : response);
  const hit = await lookup(path);
  if (hit) return answer(hit.response);
  try {
    return await fetch(request);
  } catch (error) {
    const other = await sibling(path);
    if (other) return answer(other);
    throw error;
  }
}

async function networkFirst(request) {
  const path = new URL(request.url).pathname;
  let response;
  try {
    response = await fetch(request);
  } catch (error) {
    const hit = LESSON.test(path) && (await lookup(path));
    if (hit) return hit.response;
    throw error;
  }
  // Online again: send what waited (not awaited: the page comes first).
  flush();
  if (LESSON.test(path)) {
    const hit = await lookup(path);
    // The lesson is no longer this student's (enrollment cancelled, unpublished): drop the chapter.
    if (hit && (response.status === 404 || response.status === 403)) await caches.delete(hit.name);
    // Keep the saved page fresh (its completion state, its text).
    else if (hit && response.status === 200 && !response.redirected) await (await caches.open(hit.name)).put(path, kept(await response.clone().text(), response));
  }
  return response;
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === 'POST' && COMPLETE.test(url.pathname)) event.respondWith(complete(request));
  else if (request.method !== 'GET') return;
  else if (request.mode === 'navigate' && url.pathname.startsWith('/learn/')) event.respondWith(networkFirst(request));
  else if (CACHE_FIRST.test(url.pathname)) event.respondWith(cacheFirst(request));
});

// ---------------------------------------------------------------------------------------------
// Completions made offline.

async function complete(request) {
  const body = await request.clone().text();
  try {
    const response = await fetch(request);
    flush();
    return response;
  } catch {
    const user = await currentUser();
    await inStore('outbox', 'readwrite', (s) => s.add({ url: request.url, body, user, at: Date.now() }));
    if (self.registration.sync) self.registration.sync.register('completions').catch(() => {});
    await tellOutbox(false);
    // htmx swaps #completion with this; a plain form post gets a small page.
    const lesson = new URL(request.url).pathname.replace(/\/complete$/, '');
    const kept = await inStore('meta', 'readonly', (s) => s.get('words')).catch(() => undefined);
    const w = { ...ENGLISH, ...(kept ? JSON.parse(kept) : {}) };
    const [queued, title, back, lang, dir] = [w.queued, w.title, w.back, w.lang, w.dir].map(escapeHtml);
    const html =
      request.headers.get('HX-Request') === 'true'
        ? `<div id="completion" class="completion"><p class="flash flash-success" role="status">${queued}</p></div>`
        : `<!doctype html><html lang="${lang}" dir="${dir}"><meta charset="utf-8"><title>${title}</title><p>${queued}</p><p><a href="${lesson}">${back}</a></p>`;
    return new Response(html, { headers: { 'Content-Type': 'text/html; charset=utf-8' } });
  }
}

async function tellOutbox(signIn, sent = 0) {
  const pending = (await outbox()).length;
  await tell({ type: 'outbox', pending, signIn, sent });
}

let flushing;
/** Sends the waiting completions, oldest first; resolves with how many still wait. */
function flush() {
  flushing = flushing || sendOutbox().finally(() => (flushing = undefined));
  return flushing;
}

async function sendOutbox() {
  const items = await outbox();
  if (items.length === 0) return 0;
  const [fresh, me] = await Promise.all([token(), currentUser()]);
  let signIn = false;
  let sent = 0;
  for (const { key, value } of items) {
    // Another student signed in on this device: theirs waits for them.
    if (value.user !== me) {
      signIn = true;
      continue;
    }
    const body = new URLSearchParams(value.body);
    // The token of the page that queued it may be stale (signed in again since): the latest one wins.
    const csrf = fresh || body.get('_csrf') || '';
    body.set('_csrf', csrf);
    let response;
    try {
      response = await fetch(value.url, {
        method: 'POST',
        credentials: 'same-origin',
        redirect: 'manual',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'HX-Request': 'true', 'x-csrf-token': csrf },
        body,
      });
    } catch {
      break; // still offline
    }
    // 403: the session ended (or its token changed): keep it and ask the student to sign in.
    if (response.status === 403 || response.type === 'opaqueredirect') {
      signIn = true;
      continue;
    }
    if (response.status >= 500 || response.status === 429) continue;
    // Done (2xx), or it can never be (404: no longer open; 422: its quiz is not passed yet).
    await inStore('outbox', 'readwrite', (s) => s.delete(key));
    sent++;
  }
  await tellOutbox(signIn, sent);
  return items.length - sent;
}

self.addEventListener('sync', (event) => {
  if (event.tag === 'completions') event.waitUntil(flush().then((left) => (left > 0 ? Promise.reject(new Error('still waiting')) : undefined)));
});
