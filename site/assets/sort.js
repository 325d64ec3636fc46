// Sortable tables: enhances any table.sortable; without JavaScript the server order stays.
(function () {
  document.querySelectorAll("table.sortable").forEach(function (table) {
    var ths = table.querySelectorAll("thead th");
    ths.forEach(function (th, col) {
      var b = document.createElement("button");
      b.type = "button";
      b.textContent = th.textContent;
      th.textContent = "";
      th.appendChild(b);
      b.addEventListener("click", function () {
        var dir = th.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
        ths.forEach(function (o) {
          o.removeAttribute("aria-sort");
        });
        th.setAttribute("aria-sort", dir);
        var num = th.getAttribute("data-type") === "num";
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        var key = function (r) {
          var c = r.cells[col];
          var v = c.getAttribute("data-value");
          v = v === null ? c.textContent.trim() : v;
          return num ? parseFloat(v) : v.toLowerCase();
        };
        rows.sort(function (a, b2) {
          var x = key(a),
            y = key(b2);
          var s = x < y ? -1 : x > y ? 1 : 0;
          return dir === "ascending" ? s : -s;
        });
        rows.forEach(function (r) {
          body.appendChild(r);
        });
      });
    });
  });
})();
