// Lineage DAG (d3): submissions over time (x) in author lanes (y); edges by kind; frontier path
// highlighted; zoom and pan; hover for details; click or Enter opens the submission; author filter.
// Plain SVG without a force simulation, so 2,000 nodes are interactive at once.
(function () {
  var el = document.getElementById("lineage");
  if (!el || !window.d3) return;
  var root = window.VELODROME_ROOT || "./";
  var tip = document.getElementById("lineage-tip");
  d3.json(root + "api/lineage.json").then(function (data) {
    var nodes = data.nodes,
      edges = data.edges;
    var w = el.clientWidth || 900,
      h = el.clientHeight || 560;
    var authors = Array.from(
      new Set(
        nodes.map(function (n) {
          return n.author;
        }),
      ),
    ).sort();
    var times = nodes.map(function (n) {
      return new Date(n.at);
    });
    var x = d3
      .scaleTime()
      .domain(d3.extent(times))
      .range([40, Math.max(w - 40, 40 + nodes.length * 2)]);
    var y = d3
      .scalePoint()
      .domain(authors)
      .range([30, Math.max(h - 30, 30 + authors.length * 6)])
      .padding(0.5);
    var tpsMax =
      d3.max(nodes, function (n) {
        return n.tps || 0;
      }) || 1;
    var r = d3.scaleSqrt().domain([0, tpsMax]).range([3, 11]);
    var color = {
      leader: "#009e73",
      valid: "#0072b2",
      pending: "#e69f00",
      invalid: "#d55e00",
      failed: "#d55e00",
      error: "#999",
      unbenchmarked: "#bbb",
      negative: "#666",
    };
    var pos = new Map();
    nodes.forEach(function (n, i) {
      var jitter = (((i * 7919) % 13) - 6) * 1.2; // deterministic, keeps same-lane nodes apart
      pos.set(n.id, { x: x(new Date(n.at)), y: y(n.author) + jitter, n: n });
    });
    var svg = d3
      .select(el)
      .append("svg")
      .attr("width", "100%")
      .attr("height", "100%")
      .attr("role", "img")
      .attr("aria-label", nodes.length + " submissions and " + edges.length + " edges");
    var g = svg.append("g");
    svg.call(
      d3
        .zoom()
        .scaleExtent([0.2, 12])
        .on("zoom", function (ev) {
          g.attr("transform", ev.transform);
        }),
    );
    // Edges of different kinds between the same pair bow apart, so each stays visible.
    var bow = { parent: 0, ancestry: 14, "shared-code": -14, pooled: 26 };
    var path = function (e) {
      var a = pos.get(e.source),
        b = pos.get(e.target);
      if (!a || !b) return null;
      var mx = (a.x + b.x) / 2,
        o = bow[e.kind] || 0;
      return (
        "M" +
        a.x +
        "," +
        a.y +
        "C" +
        mx +
        "," +
        (a.y + o) +
        " " +
        mx +
        "," +
        (b.y + o) +
        " " +
        b.x +
        "," +
        b.y
      );
    };
    // Small graphs get one element per edge (with a hover title); large ones one path per kind,
    // so thousands of edges cost one element each kind and the page stays responsive.
    var many = edges.length > 1500;
    var edgeLayer = g.append("g");
    var edgeSel;
    var drawMerged = function (keep) {
      edgeLayer.selectAll("*").remove();
      ["parent", "ancestry", "shared-code", "pooled"].forEach(function (kind) {
        var on = [],
          off = [];
        // Straight segments and solid strokes: dashed Béziers by the thousand take seconds to paint.
        edges.forEach(function (e) {
          if (e.kind !== kind) return;
          var a = pos.get(e.source),
            b = pos.get(e.target);
          if (a && b)
            (keep(e) ? on : off).push(
              "M" + a.x.toFixed(1) + "," + a.y.toFixed(1) + "L" + b.x.toFixed(1) + "," + b.y.toFixed(1),
            );
        });
        if (off.length)
          edgeLayer
            .append("path")
            .attr("class", "edge merged dim e-" + kind)
            .attr("d", off.join(""));
        if (on.length)
          edgeLayer
            .append("path")
            .attr("class", "edge merged e-" + kind)
            .attr("d", on.join(""));
      });
    };
    if (many)
      drawMerged(function () {
        return true;
      });
    else {
      edgeSel = edgeLayer
        .selectAll("path")
        .data(edges)
        .join("path")
        .attr("class", function (e) {
          return "edge e-" + e.kind;
        })
        .attr("d", path);
      edgeSel.append("title").text(function (e) {
        return e.source + " → " + e.target + ": " + e.label;
      });
    }
    var front = nodes
      .filter(function (n) {
        return n.frontier;
      })
      .sort(function (a, b) {
        return a.at < b.at ? -1 : 1;
      });
    g.append("path")
      .attr("class", "frontier-path")
      .attr(
        "d",
        d3.line()(
          front.map(function (n) {
            var p = pos.get(n.id);
            return [p.x, p.y];
          }),
        ),
      );
    var nodeSel = g
      .append("g")
      .selectAll("a")
      .data(nodes)
      .join("a")
      .attr("href", function (n) {
        return root + "submissions/" + n.id + ".html";
      })
      .attr("aria-label", function (n) {
        return (
          n.id + " by " + n.author + (n.tps ? ", " + n.tps.toFixed(1) + " tok/s" : "") + ", " + n.standing
        );
      });
    nodeSel
      .append("circle")
      .attr("class", function (n) {
        return (
          "node" +
          (n.frontier ? " frontier" : "") +
          (n.standing === "invalid" || n.standing === "failed" ? " invalid" : "")
        );
      })
      .attr("data-id", function (n) {
        return n.id;
      })
      .attr("cx", function (n) {
        return pos.get(n.id).x;
      })
      .attr("cy", function (n) {
        return pos.get(n.id).y;
      })
      .attr("r", function (n) {
        return r(n.tps || 0);
      })
      .attr("fill", function (n) {
        return color[n.standing] || "#999";
      });
    if (nodes.length <= 300)
      nodeSel
        .append("text")
        .attr("x", function (n) {
          return pos.get(n.id).x + 8;
        })
        .attr("y", function (n) {
          return pos.get(n.id).y + 4;
        })
        .text(function (n) {
          return n.id + (n.standing === "invalid" ? " ✗" : "");
        });
    var show = function (n) {
      tip.textContent =
        n.id +
        " — " +
        n.title +
        " · @" +
        n.author +
        " · " +
        n.at.slice(0, 10) +
        (n.tps ? " · " + n.tps.toFixed(1) + " tok/s" : "") +
        " · " +
        n.standing;
    };
    nodeSel.on("mouseenter focus", function (ev, n) {
      show(n);
    });
    var filter = document.getElementById("author-filter");
    if (filter)
      filter.addEventListener("change", function () {
        var a = filter.value;
        nodeSel.classed("dim", function (n) {
          return a && n.author !== a;
        });
        var keep = function (e) {
          var s = pos.get(e.source),
            t = pos.get(e.target);
          return !a || (s && s.n.author === a) || (t && t.n.author === a);
        };
        if (many) drawMerged(keep);
        else
          edgeSel.classed("dim", function (e) {
            return !keep(e);
          });
      });
    el.setAttribute("data-ready", String(nodes.length));
  });
})();
