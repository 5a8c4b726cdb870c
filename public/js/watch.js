// Reports seconds watched of the lesson video: every 30 s while playing and when the page is hidden,
// with sendBeacon (form-encoded, CSRF token included). Without JavaScript nothing is sent.
(function () {
  var video = document.getElementById('lesson-video');
  var meta = document.querySelector('meta[name="csrf-token"]');
  if (!video || !meta || !navigator.sendBeacon) return;
  var watched = 0;
  var last = null;
  function tick() {
    if (!video.paused && !video.ended) {
      var now = video.currentTime;
      if (last !== null && now > last && now - last < 5) watched += now - last;
      last = now;
    } else {
      last = null;
    }
  }
  function report() {
    if (watched < 1) return;
    var body = new URLSearchParams({
      _csrf: meta.content,
      lessonId: video.dataset.lesson,
      watched: String(Math.floor(watched)),
      duration: String(Math.floor(video.duration || 0)),
    });
    navigator.sendBeacon(video.dataset.report, body);
  }
  video.addEventListener('timeupdate', tick);
  setInterval(report, 30000);
  document.addEventListener('visibilitychange', function () {
    if (document.visibilityState === 'hidden') report();
  });
})();
