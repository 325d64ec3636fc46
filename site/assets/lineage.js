// Lineage DAG (d3): submissions over time (x, a dated axis) in author lanes (y, labelled); edges by
// kind; the frontier path drawn and named; node size = speed, colour = standing (see the legend).
// Labels are placed where they hit no node, no other label and stay inside the frame, else hidden.
// Click a node to focus it (its ancestors and descendants highlighted, the rest dimmed); click it
// again, or press Enter, to open its page. Plain SVG without a force simulation, so 2,000 nodes stay
// interactive.
(function () {
  var COLOR = {
    leader: "#009e73",
    valid: "#0072b2",
    pending: "#e69f00",
    unconfirmed: "#cc79a7",
    invalid: "#d55e00",
    failed: "#d55e00",
    error: "#999",
    unbenchmarked: "#bbb",
    negative: "#666",
    hacked: "#d55e00",
    withdrawn: "#666",
  };
  var KINDS = ["parent", "ancestry", "shared-code", "pooled"];
  // Edges of different kinds between the same pair bow apart, so each stays visible.
  var BOW = { parent: 0, ancestry: 14, "shared-code": -14, pooled: 26 };
  // Above this many edges, one merged path per kind: thousands of elements make the page sluggish.
  var MANY_EDGES = 1500;
  var MANY_LABELS = 300;
  // The plot area inside the SVG: lane labels on the left, the time axis at the bottom.
  var M = { left: 96, right: 12, top: 14, bottom: 40 };

  function authorsOf(nodes) {
    return Array.from(
      new Set(
        nodes.map(function (n) {
          return n.author;
        }),
      ),
    ).sort();
  }

  /** Scales: time on x, author lane on y. */
  function scales(nodes, w, h) {
    var times = nodes.map(function (n) {
      return new Date(n.at);
    });
    var ext = d3.extent(times);
    if (+ext[0] === +ext[1]) ext = [new Date(+ext[0] - 864e5), new Date(+ext[1] + 864e5)];
    var x = d3
      .scaleTime()
      .domain(ext)
      .range([M.left + 16, w - M.right - 16]);
    var y = d3
      .scalePoint()
      .domain(authorsOf(nodes))
      .range([M.top, h - M.bottom])
      .padding(0.6);
    return { x: x, y: y };
  }

  /** Node positions with a small deterministic jitter that keeps same-lane nodes apart. */
  function placeNodes(nodes, s) {
    var pos = new Map();
    var lane = Math.min(14, s.y.step() / 3);
    nodes.forEach(function (n, i) {
      var jitter = ((((i * 7919) % 13) - 6) / 6) * lane * 0.6;
      pos.set(n.id, { x: s.x(new Date(n.at)), y: s.y(n.author) + jitter, n: n });
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

  /** Many edges: one path per kind and highlight state, redrawn when the highlight changes. */
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

  /** Draws the edges; returns a function that highlights those a predicate keeps. */
  function drawEdges(g, edges, pos) {
    var layer = g.append("g");
    if (edges.length > MANY_EDGES) {
      drawMerged(layer, edges, pos, function () {
        return true;
      });
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
      return e.source + " to " + e.target + ": " + e.label;
    });
    return function (keep) {
      sel.classed("dim", function (e) {
        return !keep(e);
      });
    };
  }

  /** The frontier: a named line through the submissions that led, in time order. */
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
    var names = front
      .map(function (n) {
        return n.id;
      })
      .join(" then ");
    g.append("path")
      .attr("class", "frontier-path")
      .attr("d", d3.line()(points))
      .append("title")
      .text("frontier path (each change of leader): " + names);
    return points.length ? points[points.length - 1] : null;
  }

  /** One line describing a node, for screen readers and the details line. */
  function describe(n) {
    var speed = n.tps ? ", " + n.tps.toFixed(1) + " tok/s" : "";
    return n.id + " (" + n.title + ") by @" + n.author + ", " + n.at.slice(0, 10) + speed + ", " + n.standing;
  }

  /** Circle radius by speed: the legend names the scale. */
  function radiusScale(nodes) {
    var tpsMax =
      d3.max(nodes, function (n) {
        return n.tps || 0;
      }) || 1;
    return d3.scaleSqrt().domain([0, tpsMax]).range([3, 11]);
  }

  /** Nodes as links to their pages: circles sized by speed, coloured by standing. */
  function drawNodes(g, nodes, pos, root, r) {
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
        var invalid = n.standing === "invalid" || n.standing === "failed" || n.standing === "hacked";
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
      })
      .append("title")
      .text(describe);
    return sel;
  }

  /** Axis-aligned boxes overlap (with a small gap). */
  function overlaps(a, b) {
    return a.x < b.x + b.w + 1 && b.x < a.x + a.w + 1 && a.y < b.y + b.h + 1 && b.y < a.y + a.h + 1;
  }

  /**
   * Greedy label placement: for each label, the first of right, left, above, below that hits no node,
   * no placed label and stays inside the plot; a label with no free spot is hidden (its node's title
   * and the details line still name it).
   */
  function placeLabels(layer, items, obstacles, frame) {
    var placed = obstacles.slice();
    items.forEach(function (it) {
      var t = layer.append("text").attr("class", it.cls).text(it.text);
      var bb = t.node().getBBox();
      var w = bb.width,
        h = bb.height,
        gap = it.r + 3;
      var spots = [
        { x: it.x + gap, y: it.y - h / 2 },
        { x: it.x - gap - w, y: it.y - h / 2 },
        { x: it.x - w / 2, y: it.y - gap - h },
        { x: it.x - w / 2, y: it.y + gap },
      ];
      var spot = spots.find(function (s) {
        var box = { x: s.x, y: s.y, w: w, h: h };
        var inside =
          s.x >= frame.x && s.y >= frame.y && s.x + w <= frame.x + frame.w && s.y + h <= frame.y + frame.h;
        return (
          inside &&
          !placed.some(function (o) {
            return overlaps(box, o);
          })
        );
      });
      if (!spot) {
        t.remove();
        return;
      }
      // getBBox's y is the top of the glyph box; the baseline sits at y - bb.y below it.
      t.attr("x", spot.x).attr("y", spot.y - bb.y);
      placed.push({ x: spot.x, y: spot.y, w: w, h: h });
    });
  }

  /** Node labels (when few) and the frontier's name, placed clear of nodes and each other. */
  function drawLabels(g, nodes, pos, r, frontierEnd, frame, laneBoxes) {
    var layer = g.append("g").attr("class", "labels");
    var obstacles = laneBoxes.slice();
    nodes.forEach(function (n) {
      var p = pos.get(n.id),
        rr = r(n.tps || 0) + 1;
      obstacles.push({ x: p.x - rr, y: p.y - rr, w: 2 * rr, h: 2 * rr });
    });
    var items = [];
    if (frontierEnd)
      items.push({
        x: frontierEnd[0],
        y: frontierEnd[1],
        r: 12,
        text: "frontier",
        cls: "frontier-label label",
      });
    if (nodes.length <= MANY_LABELS)
      nodes.forEach(function (n) {
        var p = pos.get(n.id);
        items.push({ x: p.x, y: p.y, r: r(n.tps || 0), text: n.id, cls: "node-label label" });
      });
    placeLabels(layer, items, obstacles, frame);
  }

  /** The dated time axis along the bottom, with its title. */
  function drawTimeAxis(svg, s, h, w) {
    var axis = svg
      .append("g")
      .attr("class", "axis-time")
      .attr("transform", "translate(0," + (h - M.bottom + 4) + ")")
      .call(
        d3
          .axisBottom(s.x)
          .ticks(Math.max(2, Math.floor(w / 110)))
          .tickFormat(d3.timeFormat("%Y-%m-%d")),
      );
    svg
      .append("text")
      .attr("class", "axis-title label")
      .attr("x", w - M.right)
      .attr("y", h - 4)
      .attr("text-anchor", "end")
      .text("time of first commit");
    return axis;
  }

  /** Author lanes: a faint line and the author's name at the left of each. */
  function drawLanes(svg, s, w) {
    var g = svg.append("g").attr("class", "lanes");
    var boxes = [];
    s.y.domain().forEach(function (a) {
      var y = s.y(a);
      g.append("line")
        .attr("class", "lane")
        .attr("x1", M.left)
        .attr("x2", w - M.right)
        .attr("y1", y)
        .attr("y2", y);
      var t = g
        .append("text")
        .attr("class", "lane-label label")
        .attr("x", 4)
        .attr("y", y + 4)
        .text("@" + a);
      var bb = t.node().getBBox();
      while (bb.width > M.left - 8 && t.text().length > 4) {
        t.text(t.text().slice(0, -2) + "\u2026");
        bb = t.node().getBBox();
      }
      boxes.push({ x: bb.x, y: bb.y, w: bb.width, h: bb.height });
    });
    return boxes;
  }

  /** Every node reachable along edges in one direction (ancestors: "up", descendants: "down"). */
  function reach(id, edges, up) {
    var next = new Map();
    edges.forEach(function (e) {
      var from = up ? e.target : e.source,
        to = up ? e.source : e.target;
      if (!next.has(from)) next.set(from, []);
      next.get(from).push(to);
    });
    var seen = new Set(),
      stack = [id];
    while (stack.length) {
      (next.get(stack.pop()) || []).forEach(function (m) {
        if (!seen.has(m) && m !== id) {
          seen.add(m);
          stack.push(m);
        }
      });
    }
    return seen;
  }

  /**
   * Focus mode: the first click on a node highlights it with its ancestors and descendants and dims
   * the rest; a second click opens its page; Escape or a click on the background clears it.
   */
  function bindFocus(svg, nodeSel, edges, highlightEdges, tip) {
    var focused = null;
    function apply(id) {
      focused = id;
      var up = id ? reach(id, edges, true) : new Set(),
        down = id ? reach(id, edges, false) : new Set();
      nodeSel
        .classed("focused", function (n) {
          return n.id === id;
        })
        .classed("ancestor", function (n) {
          return up.has(n.id);
        })
        .classed("descendant", function (n) {
          return down.has(n.id);
        })
        .classed("dim", function (n) {
          return !!id && n.id !== id && !up.has(n.id) && !down.has(n.id);
        });
      var on = new Set([id]);
      up.forEach(function (x) {
        on.add(x);
      });
      down.forEach(function (x) {
        on.add(x);
      });
      highlightEdges(function (e) {
        return !id || (on.has(e.source) && on.has(e.target));
      });
      if (id)
        tip.textContent =
          id + ": " + up.size + " ancestors, " + down.size + " descendants. Click again to open.";
    }
    nodeSel.on("click", function (ev, n) {
      if (focused === n.id) return; // second click: follow the link
      ev.preventDefault();
      ev.stopPropagation();
      apply(n.id);
    });
    svg.on("click", function () {
      apply(null);
    });
    document.addEventListener("keydown", function (ev) {
      if (ev.key === "Escape") apply(null);
    });
    return apply;
  }

  /** Hover or keyboard focus shows a node's details in the live region below the graph. */
  function bindTooltip(nodeSel, tip) {
    nodeSel.on("mouseenter focus", function (ev, n) {
      tip.textContent = describe(n);
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

  /** The SVG at the container's size; content zooms and pans inside a clip, the frame stays put. */
  function canvas(el, data, w, h) {
    var svg = d3
      .select(el)
      .append("svg")
      .attr("width", w)
      .attr("height", h)
      .attr("role", "img")
      .attr("aria-label", data.nodes.length + " submissions and " + data.edges.length + " edges");
    svg
      .append("clipPath")
      .attr("id", "plot-clip")
      .append("rect")
      .attr("x", M.left)
      .attr("y", 0)
      .attr("width", w - M.left)
      .attr("height", h - M.bottom);
    var g = svg.append("g").attr("clip-path", "url(#plot-clip)").append("g").attr("class", "content");
    return { svg: svg, g: g };
  }

  /** Zoom and pan move the content; the time axis follows the zoom. */
  function bindZoom(c, s, axis) {
    var zoom = d3
      .zoom()
      .scaleExtent([0.5, 12])
      .on("zoom", function (ev) {
        c.g.attr("transform", ev.transform);
        axis.call(d3.axisBottom(ev.transform.rescaleX(s.x)).ticks(6).tickFormat(d3.timeFormat("%Y-%m-%d")));
      });
    c.svg.call(zoom).on("dblclick.zoom", null);
  }

  function render(el, data, root) {
    var w = Math.max(320, el.clientWidth || 900),
      h = Math.max(300, el.clientHeight || 560);
    var s = scales(data.nodes, w, h);
    var pos = placeNodes(data.nodes, s);
    var r = radiusScale(data.nodes);
    var c = canvas(el, data, w, h);
    var laneBoxes = drawLanes(c.svg, s, w);
    var axis = drawTimeAxis(c.svg, s, h, w);
    var highlightEdges = drawEdges(c.g, data.edges, pos);
    var frontierEnd = drawFrontier(c.g, data.nodes, pos);
    var nodeSel = drawNodes(c.g, data.nodes, pos, root, r);
    var frame = { x: M.left, y: 0, w: w - M.left - M.right, h: h - M.bottom };
    drawLabels(c.g, data.nodes, pos, r, frontierEnd, frame, laneBoxes);
    var tip = document.getElementById("lineage-tip");
    bindTooltip(nodeSel, tip);
    bindFilter(nodeSel, highlightEdges, pos);
    bindFocus(c.svg, nodeSel, data.edges, highlightEdges, tip);
    bindZoom(c, s, axis);
    el.setAttribute("data-ready", String(data.nodes.length));
  }

  var el = document.getElementById("lineage");
  if (!el || !window.d3) return;
  var root = window.VELODROME_ROOT || "./";
  d3.json(root + "api/lineage.json").then(function (data) {
    render(el, data, root);
  });
})();
