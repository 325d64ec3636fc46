// Lineage DAG (d3): submissions over time (x) in author lanes (y); edges by kind; frontier path
// highlighted; zoom and pan; hover for details; click or Enter opens the submission; author filter.
// Plain SVG without a force simulation, so 2,000 nodes are interactive at once.
(function () {
  var COLOR = {
    leader: "#009e73",
    valid: "#0072b2",
    pending: "#e69f00",
    invalid: "#d55e00",
    failed: "#d55e00",
    error: "#999",
    unbenchmarked: "#bbb",
    negative: "#666",
  };
  var KINDS = ["parent", "ancestry", "shared-code", "pooled"];
  // Edges of different kinds between the same pair bow apart, so each stays visible.
  var BOW = { parent: 0, ancestry: 14, "shared-code": -14, pooled: 26 };
  // Above this many edges, one merged path per kind: thousands of elements make the page sluggish.
  var MANY_EDGES = 1500;

  /** Node positions: time on x, author lane on y (with a small deterministic jitter); radius by speed. */
  function placeNodes(nodes, w, h) {
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
    var pos = new Map();
    nodes.forEach(function (n, i) {
      var jitter = (((i * 7919) % 13) - 6) * 1.2; // deterministic, keeps same-lane nodes apart
      pos.set(n.id, { x: x(new Date(n.at)), y: y(n.author) + jitter, n: n });
    });
    return pos;
  }

  /** A curved path for one edge, bowed by its kind; null when an end is missing. */
  function curve(pos, e) {
    var a = pos.get(e.source),
      b = pos.get(e.target);
    if (!a || !b) return null;
    var mx = (a.x + b.x) / 2,
      o = BOW[e.kind] || 0;
    return (
      "M" + a.x + "," + a.y + "C" + mx + "," + (a.y + o) + " " + mx + "," + (b.y + o) + " " + b.x + "," + b.y
    );
  }

  /** A straight segment (merged drawing): dashed Béziers by the thousand take seconds to paint. */
  function segment(pos, e) {
    var a = pos.get(e.source),
      b = pos.get(e.target);
    if (!a || !b) return null;
    return "M" + a.x.toFixed(1) + "," + a.y.toFixed(1) + "L" + b.x.toFixed(1) + "," + b.y.toFixed(1);
  }

  /** Many edges: one path per kind and highlight state, redrawn when the filter changes. */
  function drawMerged(layer, edges, pos, keep) {
    layer.selectAll("*").remove();
    KINDS.forEach(function (kind) {
      var on = [],
        off = [];
      edges.forEach(function (e) {
        var d = e.kind === kind ? segment(pos, e) : null;
        if (d) (keep(e) ? on : off).push(d);
      });
      if (off.length)
        layer
          .append("path")
          .attr("class", "edge merged dim e-" + kind)
          .attr("d", off.join(""));
      if (on.length)
        layer
          .append("path")
          .attr("class", "edge merged e-" + kind)
          .attr("d", on.join(""));
    });
  }

  /** Draws the edges; returns a function that highlights those a filter keeps. */
  function drawEdges(g, edges, pos) {
    var layer = g.append("g");
    if (edges.length > MANY_EDGES) {
      var all = function () {
        return true;
      };
      drawMerged(layer, edges, pos, all);
      return function (keep) {
        drawMerged(layer, edges, pos, keep);
      };
    }
    var sel = layer
      .selectAll("path")
      .data(edges)
      .join("path")
      .attr("class", function (e) {
        return "edge e-" + e.kind;
      })
      .attr("d", function (e) {
        return curve(pos, e);
      });
    sel.append("title").text(function (e) {
      return e.source + " → " + e.target + ": " + e.label;
    });
    return function (keep) {
      sel.classed("dim", function (e) {
        return !keep(e);
      });
    };
  }

  /** The frontier: a line through the submissions that led, in time order. */
  function drawFrontier(g, nodes, pos) {
    var front = nodes
      .filter(function (n) {
        return n.frontier;
      })
      .sort(function (a, b) {
        return a.at < b.at ? -1 : 1;
      });
    var points = front.map(function (n) {
      var p = pos.get(n.id);
      return [p.x, p.y];
    });
    g.append("path").attr("class", "frontier-path").attr("d", d3.line()(points));
  }

  /** One line describing a node, for screen readers and the tooltip. */
  function describe(n) {
    return n.id + " by " + n.author + (n.tps ? ", " + n.tps.toFixed(1) + " tok/s" : "") + ", " + n.standing;
  }

  /** Nodes as links to their pages: circles sized by speed, colored by standing, labelled when few. */
  function drawNodes(g, nodes, pos, root) {
    var tpsMax =
      d3.max(nodes, function (n) {
        return n.tps || 0;
      }) || 1;
    var r = d3.scaleSqrt().domain([0, tpsMax]).range([3, 11]);
    var sel = g
      .append("g")
      .selectAll("a")
      .data(nodes)
      .join("a")
      .attr("href", function (n) {
        return root + "submissions/" + n.id + ".html";
      })
      .attr("aria-label", describe);
    sel
      .append("circle")
      .attr("class", function (n) {
        var invalid = n.standing === "invalid" || n.standing === "failed";
        return "node" + (n.frontier ? " frontier" : "") + (invalid ? " invalid" : "");
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
        return COLOR[n.standing] || "#999";
      });
    if (nodes.length <= 300) labelNodes(sel, pos);
    return sel;
  }

  function labelNodes(sel, pos) {
    sel
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
  }

  /** Hover or focus shows a node's details in the live region below the graph. */
  function bindTooltip(nodeSel, tip) {
    nodeSel.on("mouseenter focus", function (ev, n) {
      var speed = n.tps ? " · " + n.tps.toFixed(1) + " tok/s" : "";
      tip.textContent =
        n.id + " — " + n.title + " · @" + n.author + " · " + n.at.slice(0, 10) + speed + " · " + n.standing;
    });
  }

  /** The author filter dims other authors' nodes and the edges that touch none of theirs. */
  function bindFilter(nodeSel, highlightEdges, pos) {
    var filter = document.getElementById("author-filter");
    if (!filter) return;
    filter.addEventListener("change", function () {
      var a = filter.value;
      nodeSel.classed("dim", function (n) {
        return a && n.author !== a;
      });
      highlightEdges(function (e) {
        var s = pos.get(e.source),
          t = pos.get(e.target);
        return !a || (s && s.n.author === a) || (t && t.n.author === a);
      });
    });
  }

  /** An SVG that zooms and pans; returns the group everything is drawn into. */
  function zoomableCanvas(el, nodes, edges) {
    var svg = d3
      .select(el)
      .append("svg")
      .attr("width", "100%")
      .attr("height", "100%")
      .attr("role", "img")
      .attr("aria-label", nodes.length + " submissions and " + edges.length + " edges");
    var g = svg.append("g");
    var zoom = d3
      .zoom()
      .scaleExtent([0.2, 12])
      .on("zoom", function (ev) {
        g.attr("transform", ev.transform);
      });
    svg.call(zoom);
    return g;
  }

  function render(el, data, root) {
    var pos = placeNodes(data.nodes, el.clientWidth || 900, el.clientHeight || 560);
    var g = zoomableCanvas(el, data.nodes, data.edges);
    var highlightEdges = drawEdges(g, data.edges, pos);
    drawFrontier(g, data.nodes, pos);
    var nodeSel = drawNodes(g, data.nodes, pos, root);
    bindTooltip(nodeSel, document.getElementById("lineage-tip"));
    bindFilter(nodeSel, highlightEdges, pos);
    el.setAttribute("data-ready", String(data.nodes.length));
  }

  var el = document.getElementById("lineage");
  if (!el || !window.d3) return;
  var root = window.VELODROME_ROOT || "./";
  d3.json(root + "api/lineage.json").then(function (data) {
    render(el, data, root);
  });
})();
