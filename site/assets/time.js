/* Relative times: each <time datetime> reads "3 hours ago"; the exact ISO value stays on hover (title). */
(function () {
  "use strict";
  var UNITS = [
    ["year", 365 * 24 * 3600],
    ["month", 30 * 24 * 3600],
    ["day", 24 * 3600],
    ["hour", 3600],
    ["minute", 60],
  ];

  /** "in 2 days" / "5 minutes ago" / "just now" for a difference in seconds (positive = past). */
  function relative(seconds) {
    var past = seconds >= 0;
    var s = Math.abs(seconds);
    for (var i = 0; i < UNITS.length; i++) {
      var n = Math.floor(s / UNITS[i][1]);
      if (n >= 1) {
        var phrase = n + " " + UNITS[i][0] + (n > 1 ? "s" : "");
        return past ? phrase + " ago" : "in " + phrase;
      }
    }
    return "just now";
  }

  var now = Date.now();
  var times = document.querySelectorAll("time[datetime]");
  for (var i = 0; i < times.length; i++) {
    var t = times[i];
    var at = Date.parse(t.getAttribute("datetime"));
    if (isNaN(at)) continue;
    if (!t.title) t.title = t.getAttribute("datetime");
    t.textContent = relative((now - at) / 1000);
  }
})();
