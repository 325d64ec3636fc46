// Frontier step chart (d3): the best valid tok/s over time; each step links to its submission.
(function () {
  var el = document.getElementById("frontier-chart");
  if (!el || !window.d3) return;
  var root = window.VELODROME_ROOT || "./";
  d3.json(root + "api/frontier.json").then(function (data) {
    var pts = data.frontier.map(function (p) {
      return Object.assign({}, p, { t: new Date(p.at) });
    });
    if (!pts.length) {
      el.textContent = "No frontier yet.";
      return;
    }
    var w = Math.max(320, el.clientWidth || 640),
      h = 240,
      m = { l: 48, r: 16, t: 12, b: 28 };
    var x = d3
      .scaleTime()
      .domain(
        d3.extent(pts, function (p) {
          return p.t;
        }),
      )
      .nice()
      .range([m.l, w - m.r]);
    var y = d3
      .scaleLinear()
      .domain([
        0,
        d3.max(pts, function (p) {
          return p.tps;
        }) * 1.1,
      ])
      .range([h - m.b, m.t]);
    var svg = d3
      .select(el)
      .append("svg")
      .attr("width", w)
      .attr("height", h)
      .attr("viewBox", "0 0 " + w + " " + h);
    svg
      .append("g")
      .attr("transform", "translate(0," + (h - m.b) + ")")
      .call(d3.axisBottom(x).ticks(5));
    svg
      .append("g")
      .attr("transform", "translate(" + m.l + ",0)")
      .call(d3.axisLeft(y).ticks(5));
    var ext = pts.concat([Object.assign({}, pts[pts.length - 1], { t: x.domain()[1] })]);
    svg
      .append("path")
      .datum(ext)
      .attr("fill", "none")
      .attr("stroke", "#0072b2")
      .attr("stroke-width", 2)
      .attr(
        "d",
        d3
          .line()
          .curve(d3.curveStepAfter)
          .x(function (p) {
            return x(p.t);
          })
          .y(function (p) {
            return y(p.tps);
          }),
      );
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
        return x(p.t);
      })
      .attr("cy", function (p) {
        return y(p.tps);
      })
      .attr("r", 5)
      .attr("fill", "#000")
      .append("title")
      .text(function (p) {
        return p.slug + ": " + p.tps.toFixed(1) + " tok/s";
      });
  });
})();
