// Frontier step chart (d3): the best valid tok/s over time; each step links to its submission.
(function () {
  var H = 240;
  var MARGIN = { l: 48, r: 16, t: 12, b: 28 };

  /** Time on x (rounded to nice ticks), speed on y from 0 to 10% above the best. */
  function scales(pts, w) {
    var x = d3
      .scaleUtc()
      .domain(
        d3.extent(pts, function (p) {
          return p.t;
        }),
      )
      .nice()
      .range([MARGIN.l, w - MARGIN.r]);
    var top = d3.max(pts, function (p) {
      return p.tps;
    });
    var y = d3
      .scaleLinear()
      .domain([0, top * 1.1])
      .range([H - MARGIN.b, MARGIN.t]);
    return { x: x, y: y };
  }

  function drawAxes(svg, s) {
    svg
      .append("g")
      .attr("transform", "translate(0," + (H - MARGIN.b) + ")")
      .call(d3.axisBottom(s.x).ticks(5));
    svg
      .append("g")
      .attr("transform", "translate(" + MARGIN.l + ",0)")
      .call(d3.axisLeft(s.y).ticks(5));
  }

  /** The step line, carried on to the right edge: the last leader still leads. */
  function drawSteps(svg, pts, s) {
    var ext = pts.concat([Object.assign({}, pts[pts.length - 1], { t: s.x.domain()[1] })]);
    var line = d3
      .line()
      .curve(d3.curveStepAfter)
      .x(function (p) {
        return s.x(p.t);
      })
      .y(function (p) {
        return s.y(p.tps);
      });
    svg
      .append("path")
      .datum(ext)
      .attr("fill", "none")
      .attr("stroke", "#0072b2")
      .attr("stroke-width", 2)
      .attr("d", line);
  }

  /** One dot per change of leader, linking to the new leader's page. */
  function drawPoints(svg, pts, s, root) {
    svg
      .selectAll("a.step")
      .data(pts)
      .join("a")
      .attr("class", "step")
      .attr("href", function (p) {
        return root + "submissions/" + p.slug + ".html";
      })
      .append("circle")
      .attr("cx", function (p) {
        return s.x(p.t);
      })
      .attr("cy", function (p) {
        return s.y(p.tps);
      })
      .attr("r", 5)
      .attr("fill", "#000")
      .append("title")
      .text(function (p) {
        return p.slug + ": " + p.tps.toFixed(1) + " tok/s";
      });
  }

  function render(el, data, root) {
    var pts = data.frontier.map(function (p) {
      return Object.assign({}, p, { t: new Date(p.at) });
    });
    if (!pts.length) {
      el.textContent = "No frontier yet.";
      return;
    }
    var w = Math.max(320, el.clientWidth || 640);
    var s = scales(pts, w);
    var svg = d3
      .select(el)
      .append("svg")
      .attr("width", w)
      .attr("height", H)
      .attr("viewBox", "0 0 " + w + " " + H);
    drawAxes(svg, s);
    drawSteps(svg, pts, s);
    drawPoints(svg, pts, s, root);
  }

  var el = document.getElementById("frontier-chart");
  if (!el || !window.d3) return;
  var root = window.VELODROME_ROOT || "./";
  d3.json(root + "api/frontier.json").then(function (data) {
    render(el, data, root);
  });
})();
