"use strict";
// Everything from the articles arrives as JSON and is put on the page with textContent only.
// This script draws; it never tokenizes, stems or scores (the marks come from Python).
const DATA = JSON.parse(document.getElementById("provenance-data").textContent);
const DOCS = DATA.documents;
const DOC_INDEX = new Map(DOCS.map((d, i) => [d.id, i]));
const EDGE_COLORS = { attributed: "#7a5195", copied: "#d1495b", rewrote: "#d08c00",
                      common_source: "#00798c", undecided: "#9aa5b1" };
const RELATION_COLORS = { origin: "#1d2430", copied: "#d1495b", rewrote: "#d08c00",
                          credited: "#7a5195", quoted: "#00798c", undecided: "#9aa5b1" };
const SVG_NS = "http://www.w3.org/2000/svg";
// viridis at 11 stops (matplotlib's), drawn reversed: 0 light, 1 dark.
const VIRIDIS = ["#440154", "#482475", "#414487", "#355f8d", "#2a788e", "#21918c", "#22a884", "#44bf70", "#7ad151", "#bddf26", "#fde725"];
const RGB = VIRIDIS.map((h) => [1, 3, 5].map((k) => parseInt(h.slice(k, k + 2), 16)));
function viridis(v, alpha) {
  const t = (1 - Math.max(0, Math.min(1, v))) * 10, k = Math.min(9, Math.floor(t)), f = t - k;
  const c = RGB[k].map((a, n) => Math.round(a + (RGB[k + 1][n] - a) * f));
  return alpha === undefined ? "rgb(" + c.join(",") + ")" : "rgba(" + c.join(",") + "," + alpha + ")";
}

function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (key === "class") node.className = value;
    else if (key === "onclick") node.addEventListener("click", value);
    else node.setAttribute(key, String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.appendChild(typeof child === "string" || typeof child === "number"
      ? document.createTextNode(String(child)) : child);
  }
  return node;
}
function svg(tag, attrs, text) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}
function titled(node, text) { const t = svg("title"); t.textContent = text; node.appendChild(t); return node; }
function fmt(x) { return Number(x).toFixed(3); }
function pct(x) { return Math.round(100 * x) + "%"; }
function num(x) { return Number(x).toLocaleString("en-US"); }
function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }
function short(text, n) { return text.length > n ? text.slice(0, n - 1) + "…" : text; }
// A document is named by its title and outlet; its id is on hover.
function docName(i) {
  const d = DOCS[i];
  const name = d.title ? short(d.title, 70) : d.id;
  return d.outlet ? name + " (" + d.outlet + ")" : name;
}
function docSpan(i) { return el("span", { title: DOCS[i].id }, docName(i)); }
function nodeName(id) { return DOC_INDEX.has(id) ? docName(DOC_INDEX.get(id)) : id; }
function nodeSpan(id) { return el("span", { title: id }, nodeName(id)); }

// Text with marks drawn: marks are [start, end, meaning] relative to the text.
function marked(text, marks) {
  const box = document.createDocumentFragment();
  let at = 0;
  for (const [start, end, meaning] of marks || []) {
    if (start > at) box.appendChild(document.createTextNode(text.slice(at, start)));
    box.appendChild(el("mark", { class: meaning, title: meaning }, text.slice(start, end)));
    at = end;
  }
  if (at < text.length) box.appendChild(document.createTextNode(text.slice(at)));
  return box;
}
const RULE_TEXT = { edits: "edits marked (struck: dropped or replaced; green: put in instead)",
                    shared: "a rewrite: the content words both use are marked" };

// --- summary: one set of counts --------------------------------------------------------------
(function summary() {
  const c = DATA.counts;
  let pairs = num(c.pairs) + " pairs at Jaccard or containment ≥ " + c.min_score;
  const extra = c.pairs_with_passages_below_min_score;
  if (extra) pairs += " (and " + num(extra) + (extra === 1 ? " more pair that shares" : " more pairs that share") + " only a passage)";
  const parts = [num(c.documents) + " documents", pairs];
  parts.push(num(c.passages) + " passages", num(c.families) + " families", num(c.edges) + " provenance edges");
  if (c.skipped) parts.push(num(c.skipped) + " inputs skipped");
  document.getElementById("summary").textContent = parts.join(", ") + ". Shingles " + DATA.config.shingle +
    ", near-duplicate threshold " + DATA.config.threshold + ". provenance " + DATA.version + ".";
  const left = document.getElementById("left-out");
  if (DATA.left_out.length) {
    left.appendChild(el("p", {}, "This page summarizes; left out:"));
    const list = el("ul", {});
    for (const line of DATA.left_out) list.appendChild(el("li", {}, line));
    left.appendChild(list);
  } else left.remove();
})();

// --- the story: families on a timeline -------------------------------------------------------
function timeline(family, k) {
  const members = family.members;
  const outlets = [];
  for (const m of members) { const o = m.outlet || m.id; if (!outlets.includes(o)) outlets.push(o); }
  const rowH = outlets.length > 12 ? 14 : 22, left = 190, right = 70, top = 8, W = 900;
  const H = top * 2 + rowH * outlets.length + 16;
  const times = members.filter((m) => m.t !== null).map((m) => m.t);
  const t0 = times.length ? Math.min(...times) : 0, t1 = times.length ? Math.max(...times) : 0;
  const undated = times.length > 0 && members.some((m) => m.t === null);
  const span = W - left - right - (undated ? 60 : 0);
  // Without any date, members stand in the tree's order (the family's member order), evenly.
  const order = new Map(members.map((m, i) => [m, i]));
  const x = (m) => !times.length ? left + (members.length > 1 ? order.get(m) / (members.length - 1) * (W - left - right) : 0)
    : m.t === null ? W - right + 10 : left + (t1 > t0 ? (m.t - t0) / (t1 - t0) * span : span / 2);
  const y = (m) => top + rowH * outlets.indexOf(m.outlet || m.id) + rowH / 2;
  const root = svg("svg", { class: "timeline", viewBox: "0 0 " + W + " " + H, width: W, height: H, "data-family": family.id });
  const defs = svg("defs");
  const marker = svg("marker", { id: "tl-arrow-" + k, viewBox: "0 0 10 10", refX: 16, refY: 5, markerWidth: 6, markerHeight: 6, orient: "auto" });
  marker.appendChild(svg("path", { d: "M0 0 L10 5 L0 10 z", fill: "#5b6575" }));
  defs.appendChild(marker);
  root.appendChild(defs);
  outlets.forEach((o, r) => {
    root.appendChild(svg("line", { x1: left, x2: W - right + (undated ? 40 : 0), y1: top + rowH * r + rowH / 2, y2: top + rowH * r + rowH / 2, class: "row-line" }));
    root.appendChild(titled(svg("text", { x: left - 8, y: top + rowH * r + rowH / 2 + 4, "text-anchor": "end", class: "row-label" + (rowH < 22 ? " small" : "") }, short(DOC_INDEX.has(o) ? nodeName(o) : o, 28)), o));
  });
  if (undated) root.appendChild(svg("text", { x: W - right + 10, y: H - 4, "text-anchor": "middle", class: "axis" }, "undated"));
  if (!times.length) root.appendChild(svg("text", { x: left, y: H - 4, class: "axis" }, "no publication dates: members in the order of the spread tree"));
  if (times.length) {
    root.appendChild(svg("text", { x: left, y: H - 4, class: "axis" }, members.find((m) => m.t === t0).when));
    if (t1 > t0) root.appendChild(svg("text", { x: left + span, y: H - 4, "text-anchor": "end", class: "axis" }, members.find((m) => m.t === t1).when));
  }
  const at = new Map(members.map((m) => [m.id, m]));
  for (const m of members) {
    const p = m.parent && at.get(m.parent);
    if (!p) continue;
    root.appendChild(titled(svg("line", { x1: x(p), y1: y(p), x2: x(m), y2: y(m), class: "tree-arrow", "marker-end": "url(#tl-arrow-" + k + ")" }),
      (p.outlet || p.id) + " → " + (m.outlet || m.id) + " (" + m.relation + ")"));
  }
  members.forEach((m, i) => {
    const dot = svg("circle", { cx: x(m), cy: y(m), r: rowH < 22 ? 4.5 : 6, class: "member-mark", fill: RELATION_COLORS[m.relation] || "#888", "data-member": i });
    titled(dot, (m.outlet || "") + " " + m.id + "\n" + m.when + "\n" + m.relation + (m.credits ? ", credits " + m.credits : "") + (m.speaker ? ", quotes " + m.speaker : ""));
    root.appendChild(dot);
  });
  return root;
}
function openFamily(k) {
  const family = DATA.families[k];
  const panel = clear(document.getElementById("family-panel"));
  panel.dataset.family = family.id;
  panel.appendChild(el("h3", {}, family.id + ": " + family.sentence));
  const origin = family.origin || {};
  if (origin.reason) panel.appendChild(el("p", { class: "hint" }, "Origin (" + origin.kind + "): " + origin.reason));
  const row = el("div", { class: "members" });
  for (const m of family.members) {
    const card = el("div", { class: "member", "data-doc": m.id },
      el("h4", {}, el("span", { title: m.id }, m.doc !== null ? docName(m.doc) : m.id)),
      el("p", { class: "meta" }, el("span", { class: "tag", style: "border-color:" + (RELATION_COLORS[m.relation] || "#888") }, m.relation),
        m.when + (m.parent ? " · from " + nodeName(m.parent) : "") + " · confidence " + fmt(m.confidence)),
      m.credits ? el("p", { class: "meta" }, "credits " + m.credits) : null,
      m.quoted ? el("p", { class: "meta" }, "quotes " + (m.speaker || "a speaker")) : null,
      m.marks ? el("p", { class: "hint" }, RULE_TEXT[m.marks.rule] + " against " + nodeName(m.against)) : null,
      el("div", { class: "text" }, marked(m.text, m.marks ? m.marks.b : [])));
    if (m.reasons.length) {
      const list = el("ul", { class: "reasons" });
      for (const r of m.reasons) list.appendChild(el("li", {}, r));
      card.appendChild(list);
    }
    row.appendChild(card);
  }
  panel.appendChild(row);
  if (family.members_left_out) panel.appendChild(el("p", { class: "hint" }, family.members_left_out + " more members are in the JSON (provenance trace --format json)."));
  panel.hidden = false;
  panel.scrollIntoView({ block: "nearest" });
}
(function story() {
  const box = document.getElementById("families");
  if (!DATA.families.length) {
    box.appendChild(el("p", { class: "hint" }, DATA.counts.families
      ? "" : "No passage travelled between documents here (no families)."));
    return;
  }
  DATA.families.forEach((family, k) => {
    const item = el("article", { class: "family", "data-family": family.id, tabindex: 0 },
      el("p", { class: "sentence" }, el("strong", {}, family.id + " "), family.sentence),
      el("p", { class: "excerpt" }, "“" + short(family.text.replace(/\s+/g, " ").trim(), 220) + "”"),
      timeline(family, k),
      family.members_left_out ? el("p", { class: "hint" }, "The timeline shows the first " + family.members.length + " of " + family.size + " members.") : null);
    item.addEventListener("click", () => openFamily(k));
    item.addEventListener("keydown", (event) => { if (event.key === "Enter") openFamily(k); });
    box.appendChild(item);
  });
})();

// --- the spread graph ------------------------------------------------------------------------
const edgeTip = document.getElementById("edge-tip");
function drawGraph() {
  const g = DATA.graph, box = document.getElementById("graph");
  const what = g.by === "outlet" ? "Outlets as nodes; an edge's width is the passages taken. " : "";
  document.getElementById("graph-hint").textContent = g.total_edges
    ? what + "Columns by " + (g.layout === "time" ? "publication day (outside sources first, undated last)" : "depth in the spread tree (origins first)") +
      "; arrows run source → target. Hover an edge for its label, click it for the reasons." +
      (g.edges.length < g.total_edges ? " Showing the " + num(g.edges.length) + " strongest of " + num(g.total_edges) + " edges." : "") +
      (g.same_outlet_edges ? " " + num(g.same_outlet_edges) + " edges within one outlet are not drawn." : "")
    : "No attributions or repeated passages: no provenance edges.";
  if (!g.nodes.length) return;
  const rowH = 22, pad = 16, gap = 70;
  const root = svg("svg", { id: "graph-svg", role: "img" });
  box.appendChild(root);
  const layers = Math.max(...g.nodes.map((v) => v.layer)) + 1;
  const widths = new Array(layers).fill(0);
  const labels = new Map();
  for (const v of g.nodes) {
    const isDoc = DOC_INDEX.has(v.id);
    const label = titled(svg("text", { class: "node-label", "data-node": v.id }, short(g.by === "outlet" || !isDoc ? v.id : nodeName(v.id), 44)), v.id);
    root.appendChild(label);
    labels.set(v.id, label);
    widths[v.layer] = Math.max(widths[v.layer], label.getComputedTextLength());
  }
  const colX = [pad];
  for (let k = 1; k < layers; k++) colX.push(colX[k - 1] + widths[k - 1] + 12 + gap);
  const rows = Math.max(...g.nodes.map((v) => v.order)) + 1;
  const W = colX[layers - 1] + widths[layers - 1] + 12 + pad, H = pad * 2 + rows * rowH;
  root.setAttribute("viewBox", "0 0 " + W + " " + H);
  root.setAttribute("width", W);
  root.setAttribute("height", H);
  const at = new Map(g.nodes.map((v) => [v.id, [colX[v.layer], pad + v.order * rowH + rowH / 2]]));
  const defs = svg("defs");
  for (const [kind, c] of Object.entries(EDGE_COLORS)) {
    const marker = svg("marker", { id: "arrow-" + kind, viewBox: "0 0 10 10", refX: 14, refY: 5, markerWidth: 6, markerHeight: 6, orient: "auto", markerUnits: "userSpaceOnUse" });
    marker.appendChild(svg("path", { d: "M 0 0 L 10 5 L 0 10 z", fill: c }));
    defs.appendChild(marker);
  }
  root.insertBefore(defs, root.firstChild);
  const edgeLayer = svg("g", {});
  root.insertBefore(edgeLayer, defs.nextSibling);
  const maxPassages = Math.max(1, ...g.edges.map((e) => e.passages.length !== undefined ? e.passages.length : e.passages));
  g.edges.forEach((e, k) => {
    const [ax, ay] = at.get(e.source), [bx, by] = at.get(e.target);
    const sx = ax + 6 + (ax < bx ? widths[g.nodes.find((v) => v.id === e.source).layer] + 6 : 0);
    const d = ax === bx
      ? "M " + ax + " " + ay + " C " + (ax - 40) + " " + ay + ", " + (bx - 40) + " " + by + ", " + bx + " " + by
      : "M " + sx + " " + ay + " C " + (sx + bx) / 2 + " " + ay + ", " + (sx + bx) / 2 + " " + by + ", " + bx + " " + by;
    const taken = typeof e.passages === "number" ? e.passages : e.passages.length;
    const width = g.by === "outlet" ? 1 + 7 * Math.sqrt(taken / maxPassages) : 1.5;
    const directed = e.kind !== "common_source" && e.kind !== "undecided";
    const path = svg("path", { d, class: "edge", stroke: EDGE_COLORS[e.kind] || "#888", "stroke-width": width.toFixed(2), fill: "none",
      "marker-end": directed ? "url(#arrow-" + e.kind + ")" : "", "data-edge": k });
    const label = e.kind + (g.by === "outlet" ? ", " + taken + " passages in " + e.edges + " edges" : ", confidence " + fmt(e.confidence));
    titled(path, nodeName(e.source) + " → " + nodeName(e.target) + ": " + label);
    path.addEventListener("mouseenter", (event) => {
      edgeTip.textContent = label + "\n" + nodeName(e.source) + " → " + nodeName(e.target);
      edgeTip.hidden = false;
      const wrap = box.getBoundingClientRect();
      edgeTip.style.left = (event.clientX - wrap.left + 12) + "px";
      edgeTip.style.top = (event.clientY - wrap.top + 12) + "px";
    });
    path.addEventListener("mouseleave", () => { edgeTip.hidden = true; });
    path.addEventListener("click", () => showEdge(k));
    edgeLayer.appendChild(path);
  });
  for (const v of g.nodes) {
    const [x, y] = at.get(v.id);
    const isDoc = DOC_INDEX.has(v.id) || g.by === "outlet";
    root.insertBefore(isDoc ? svg("rect", { x: x - 5, y: y - 5, width: 10, height: 10, class: "node doc" })
      : svg("circle", { cx: x, cy: y, r: 5.5, class: "node source" }), labels.get(v.id));
    labels.get(v.id).setAttribute("x", x + 9);
    labels.get(v.id).setAttribute("y", y + 4);
  }
}
function showEdge(k) {
  const e = DATA.graph.edges[k];
  const panel = clear(document.getElementById("edge-panel"));
  panel.appendChild(el("h3", {}, nodeSpan(e.source), " → ", nodeSpan(e.target)));
  panel.appendChild(el("p", {}, el("span", { class: "tag" }, e.kind), "confidence " + fmt(e.confidence)));
  const list = el("ul", {});
  for (const r of e.reasons) list.appendChild(el("li", {}, r));
  panel.appendChild(list);
  if (Array.isArray(e.passages)) for (const index of e.passages) if (DATA.passages[index]) panel.appendChild(passageView(index));
}

// --- outlet flows ----------------------------------------------------------------------------
(function flows() {
  const f = DATA.flows, box = document.getElementById("flows");
  if (!f.outlets.length) {
    box.appendChild(el("p", { class: "hint" }, "No passage went from one outlet to another."));
  } else {
    const grid = new Map(f.cells.map(([s, t, taken, credited]) => [s + ":" + t, [taken, credited]]));
    const top = Math.max(1, ...f.cells.map((c) => c[2]));
    const shown = f.outlets.slice(0, 40);
    const table = el("table", { class: "flows" }, el("tr", {}, el("th", {}, "from ↓ / to →"), ...shown.map((o) => el("th", { title: o }, short(nodeName(o), 14)))));
    shown.forEach((s, i) => {
      const tr = el("tr", {}, el("th", { title: s }, short(nodeName(s), 24)));
      shown.forEach((t, j) => {
        const v = grid.get(i + ":" + j);
        tr.appendChild(v ? el("td", { class: "num flow", title: nodeName(s) + " → " + nodeName(t) + ": " + v[0] + " passages taken, " + v[1] + " credited",
          style: "background:" + viridis(v[0] / top, 0.35) }, v[0] + " (" + v[1] + ")") : el("td", {}, ""));
      });
      table.appendChild(tr);
    });
    box.appendChild(el("p", { class: "hint" }, "Passages each outlet (row) gave to another (column), and in brackets how many of those the taker credited." +
      (f.outlets.length > shown.length ? " The first 40 of " + f.outlets.length + " outlets." : "")));
    box.appendChild(table);
  }
  const churn = document.getElementById("churn");
  if (!f.churnalism.length) { churn.appendChild(el("p", { class: "hint" }, "No churnalism shares computed.")); return; }
  const table = el("table", {}, el("tr", {}, el("th", {}, "outlet"), el("th", {}, "share of its text found earlier elsewhere"), el("th", {}, "documents")));
  for (const [o, share, n] of f.churnalism.slice(0, 100)) {
    table.appendChild(el("tr", {}, el("td", {}, nodeSpan(o)), el("td", { class: "num" }, el("span", { class: "bar", style: "width:" + Math.round(120 * share) + "px" }), " " + pct(share)), el("td", { class: "num" }, n)));
  }
  churn.appendChild(table);
})();

// --- heat map: absolute 0-1 scale, viridis --------------------------------------------------
const rows = DATA.rows, block = DATA.block, n = rows.length, nb = Math.ceil(n / block);
function rowLabel(r) { return DATA.row_labels ? DATA.row_labels[r] : docName(rows[r][0]); }
const cellPx = Math.max(2, Math.min(48, Math.floor(640 / Math.max(1, nb))));
const canvas = document.getElementById("heatmap");
canvas.width = nb * cellPx;
canvas.height = nb * cellPx;
canvas.dataset.cell = String(cellPx);
canvas.dataset.blocks = String(nb);
canvas.dataset.block = String(block);
const grid = new Map(DATA.cells.map((c) => [c[0] + ":" + c[1], c]));
const ctx = canvas.getContext("2d");
ctx.fillStyle = "#fff";
ctx.fillRect(0, 0, canvas.width, canvas.height);
if (block === 1 && DATA.by === "document") { ctx.fillStyle = "#c9ced6"; for (let x = 0; x < nb; x++) ctx.fillRect(x * cellPx, x * cellPx, cellPx, cellPx); }
for (const [i, j, value] of DATA.cells) {
  ctx.fillStyle = viridis(value);
  ctx.fillRect(j * cellPx, i * cellPx, cellPx, cellPx);
  ctx.fillRect(i * cellPx, j * cellPx, cellPx, cellPx);
}
const legend = document.getElementById("legend-bar").getContext("2d");
for (let k = 0; k < 200; k++) { legend.fillStyle = viridis(k / 199); legend.fillRect(k, 0, 1, 12); }
document.getElementById("legend-label").textContent = (DATA.by === "outlet" ? "highest Jaccard between the two outlets' articles" : "Jaccard similarity of shingle sets") +
  " on an absolute scale from 0 to 1 (viridis, reversed: darker shares more); white: no pair listed" + (block === 1 && DATA.by === "document" ? "; grey: the diagonal" : "") + ".";
if (block === 1 && n <= 60) {  // a key to the rows: #k is the k-th row and column
  const key = el("ol", { id: "matrix-key" });
  for (let r = 0; r < n; r++) key.appendChild(el("li", { title: DATA.row_labels ? DATA.row_labels[r] : DOCS[rows[r][0]].id }, rowLabel(r)));
  canvas.parentElement.appendChild(key);
  ctx.font = Math.min(12, cellPx - 4) + "px sans-serif";
  if (cellPx >= 14) for (let k = 0; k < nb; k++) { ctx.fillStyle = "#1d2430"; ctx.fillText(String(k + 1), k * cellPx + 3, k * cellPx + cellPx - 4); }
}
document.getElementById("matrix-hint").textContent = (DATA.by === "outlet" ? n + " outlets" : num(n) + " documents") + (block > 1
  ? ", grouped " + block + " to a cell (a cell shows its most similar pair; click it for the pairs listed here)" : "") +
  ", ordered so that similar ones sit together. Hover for the numbers, click for passages.";
function blockRange(b) {
  const lo = b * block, hi = Math.min(n, lo + block) - 1;
  return lo === hi ? rowLabel(lo) : rowLabel(lo) + " … " + rowLabel(hi) + " (" + (hi - lo + 1) + ")";
}
const rowOf = new Map();
rows.forEach((docs, r) => { for (const d of docs) rowOf.set(d, r); });
function cellAt(event) {
  const rect = canvas.getBoundingClientRect();
  const x = Math.floor((event.clientY - rect.top) * canvas.height / rect.height / cellPx);
  const y = Math.floor((event.clientX - rect.left) * canvas.width / rect.width / cellPx);
  if (x < 0 || y < 0 || x >= nb || y >= nb) return null;
  return [Math.min(x, y), Math.max(x, y), x, y];
}
function pairsIn(i, j) {
  const out = [];
  DATA.pairs.forEach((p, k) => {
    const a = Math.floor(rowOf.get(p.a) / block), b = Math.floor(rowOf.get(p.b) / block);
    if (Math.min(a, b) === i && Math.max(a, b) === j) out.push(k);
  });
  return out;
}
const tooltip = document.getElementById("tooltip");
canvas.addEventListener("mousemove", (event) => {
  const cell = cellAt(event);
  if (!cell) { tooltip.hidden = true; return; }
  const [i, j, x, y] = cell, c = grid.get(i + ":" + j);
  let text = blockRange(x) + "\n× " + blockRange(y);
  if (c && c[3] === 1 && c[4] >= 0 && block === 1 && DATA.by === "document") {
    const p = DATA.pairs[c[4]];
    const first = rowOf.get(p.a) === x;
    text += "\nJaccard " + fmt(p.jaccard) + "\nrow in column " + fmt(first ? p.a_in_b : p.b_in_a) +
            ", column in row " + fmt(first ? p.b_in_a : p.a_in_b) + "\n" + p.passages.length + " passages";
  } else if (c) text += "\nhighest Jaccard " + fmt(c[2]) + " (" + num(c[3]) + " pairs)";
  else if (!(x === y && block === 1)) text += "\nno pair listed";
  tooltip.textContent = text;
  tooltip.hidden = false;
  const wrap = canvas.parentElement.getBoundingClientRect();
  tooltip.style.left = (event.clientX - wrap.left + 14) + "px";
  tooltip.style.top = (event.clientY - wrap.top + 14) + "px";
});
canvas.addEventListener("mouseleave", () => { tooltip.hidden = true; });
canvas.addEventListener("click", (event) => {
  const cell = cellAt(event);
  if (!cell) return;
  const c = grid.get(cell[0] + ":" + cell[1]);
  const panel = clear(document.getElementById("cell-panel"));
  if (!c) { panel.appendChild(el("p", { class: "hint" }, "No pair listed in this cell.")); return; }
  if (c[3] === 1 && c[4] >= 0) { showPair(c[4]); panel.appendChild(el("p", { class: "hint" }, "Shown below.")); return; }
  const found = pairsIn(cell[0], cell[1]).sort((p, q) => DATA.pairs[q].jaccard - DATA.pairs[p].jaccard);
  panel.appendChild(el("p", {}, num(c[3]) + " pairs in " + blockRange(cell[2]) + " × " + blockRange(cell[3]) + "; " +
    (found.length < c[3] ? found.length + " of them listed on this page (all in provenance scan --format json)" + (found.length ? ":" : ".") : "")));
  panel.appendChild(pairTable(found.slice(0, 200)));
});

// --- pairs and passages ----------------------------------------------------------------------
function pairTable(indices) {
  const table = el("table", {}, el("tr", {}, el("th", {}, "a"), el("th", {}, "b"),
    el("th", {}, "Jaccard"), el("th", {}, "a in b"), el("th", {}, "b in a"), el("th", {}, "passages")));
  for (const k of indices) {
    const p = DATA.pairs[k];
    table.appendChild(el("tr", { class: "clickable", "data-pair": k, onclick: () => showPair(k) },
      el("td", {}, docSpan(p.a)), el("td", {}, docSpan(p.b)),
      el("td", { class: "num", title: p.listed ? "" : "below --min-score: listed because the two share a passage" }, fmt(p.jaccard) + (p.listed ? "" : " *")),
      el("td", { class: "num" }, fmt(p.a_in_b)), el("td", { class: "num" }, fmt(p.b_in_a)),
      el("td", { class: "num" }, p.passages.length)));
  }
  return table;
}
function passageView(index) {
  const p = DATA.passages[index];
  const head = el("p", {}, el("span", { class: "tag" }, p.kind), el("span", { class: "tag" }, "score " + fmt(p.score)),
    p.quoted ? el("span", { class: "tag quoted" }, "quotation both give") : null,
    p.quote ? el("span", { class: "hint" }, " “" + p.quote + "”") : null,
    el("span", { class: "hint" }, " " + RULE_TEXT[p.marks.rule]));
  const side = el("div", { class: "side passage", "data-passage": index },
    el("div", {}, el("h4", { title: DOCS[p.a].id }, docName(p.a) + " [" + p.a_start + ":" + p.a_end + "]"), marked(p.a_text, p.marks.a)),
    el("div", {}, el("h4", { title: DOCS[p.b].id }, docName(p.b) + " [" + p.b_start + ":" + p.b_end + "]"), marked(p.b_text, p.marks.b)));
  return el("div", {}, head, side);
}
function showPair(k) {
  const p = DATA.pairs[k];
  const panel = clear(document.getElementById("pair-panel"));
  panel.dataset.pair = String(k);
  const a = DOCS[p.a], b = DOCS[p.b];
  panel.appendChild(el("h3", {}, docSpan(p.a), "  ×  ", docSpan(p.b)));
  panel.appendChild(el("p", {}, "Jaccard " + fmt(p.jaccard) + "; " + pct(p.a_in_b) + " of the first found in the second, " + pct(p.b_in_a) + " of the second in the first." +
    (p.listed ? "" : " (Below --min-score " + DATA.counts.min_score + ": listed because they share a passage.)")));
  if (DATA.graph.by === "document") {
    const related = DATA.graph.edges.filter((e) => (e.source === a.id && e.target === b.id) || (e.source === b.id && e.target === a.id));
    for (const e of related) panel.appendChild(el("p", {}, el("span", { class: "tag" }, e.kind), nodeName(e.source) + " → " + nodeName(e.target) + ": " + e.reasons.join("; ")));
  }
  if (!p.passages.length) panel.appendChild(el("p", { class: "hint" }, "These two documents share no passage."));
  for (const index of p.passages) if (DATA.passages[index]) panel.appendChild(passageView(index));
  panel.scrollIntoView({ block: "start" });
}

drawGraph();
const edgesTable = document.getElementById("edges-table");
edgesTable.appendChild(el("tr", {}, el("th", {}, "source"), el("th", {}, "target"), el("th", {}, "kind"), el("th", {}, "confidence"), el("th", {}, "reasons")));
DATA.graph.edges.slice(0, 100).forEach((e, k) => edgesTable.appendChild(el("tr", { class: "clickable", onclick: () => showEdge(k) },
  el("td", {}, nodeSpan(e.source)), el("td", {}, nodeSpan(e.target)), el("td", {}, e.kind), el("td", { class: "num" }, fmt(e.confidence)), el("td", {}, e.reasons.join("; ")))));

const pairsTable = document.getElementById("pairs-table");
pairsTable.replaceWith(Object.assign(pairTable(DATA.pairs.slice(0, 100).map((_, k) => k)), { id: "pairs-table" }));
const pairsNote = [];
if (DATA.pairs.length > 100) pairsNote.push("Top 100 of " + num(DATA.pairs.length) + " pairs on this page.");
if (DATA.counts.pairs_with_passages_below_min_score) pairsNote.push("* below --min-score " + DATA.counts.min_score + ", listed because the two share a passage.");
if (pairsNote.length) document.getElementById("pairs-section").appendChild(el("p", { class: "hint" }, pairsNote.join(" ")));

// --- documents and skipped inputs ------------------------------------------------------------
const docsTable = document.getElementById("documents-table");
docsTable.appendChild(el("tr", {}, ...["title", "outlet", "published", "chars", "shingles", "credits"].map((h) => el("th", {}, h))));
const LIMIT_DOCS = DATA.limits.documents;
for (const d of DOCS.slice(0, LIMIT_DOCS)) {
  docsTable.appendChild(el("tr", {}, el("td", { title: d.id }, d.title || d.id), el("td", {}, d.outlet || ""),
    el("td", {}, d.published || ""), el("td", { class: "num" }, d.chars), el("td", { class: "num" }, d.shingles),
    el("td", {}, d.attributions.map((a) => a[0] + " (" + a[1] + ")").join("; "))));
}
const skippedTable = document.getElementById("skipped-table");
if (DATA.skipped.length) {
  skippedTable.appendChild(el("tr", {}, el("th", {}, "input"), el("th", {}, "why it was skipped")));
  for (const s of DATA.skipped.slice(0, 500)) skippedTable.appendChild(el("tr", {}, el("td", {}, s.path), el("td", {}, s.reason)));
} else {
  skippedTable.replaceWith(el("p", { class: "hint" }, "Every input was read."));
}
document.body.dataset.ready = "1";
